import { PassThrough } from 'node:stream';
import { createLink, profiles, scaleProfile, type Link, type LinkProfile } from '@tidings/linksim';
import { createUserSession, startTestStack, type TestStack } from '@tidings/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliHome } from '../src/session-store.js';
import { EXIT_NOT_CONFIRMED } from '../src/run.js';
import { jsonLines, startChatStack, type ChatStack } from './chat-stack.js';
import { Capture, runCli, tempHome } from './helpers.js';
import { uniqueUser } from './stack.js';

/**
 * `tidings send` and `tidings watch` through the link simulator, time-scaled: the full-length
 * profiles (2 s round trip, 64 kbit/s, cuts, 20 s stalls, a 60 s outage) run in
 * `pnpm bench --only link`.
 */

let chat: ChatStack;
const links: Link[] = [];
beforeAll(async () => {
  chat = await startChatStack();
});
afterAll(async () => {
  for (const l of links.splice(0)) await l.close();
  await chat?.close();
});

async function link(profile: LinkProfile = profiles.none, seed = 1): Promise<string> {
  const l = await createLink({ target: { port: chat.stack.broker.mqttPort }, profile, seed });
  links.push(l);
  return `mqtt://127.0.0.1:${l.port}`;
}

describe('send and watch on flaky links', () => {
  it('acknowledges every line to the sender and prints each once, in order, with cuts and stalls on both sides', async () => {
    const flaky = scaleProfile(profiles.flaky, 0.1); // 100 ms each way, cuts every 1–3 s, 2 s stalls
    const alice = await chat.machine(uniqueUser('alice'), { url: await link(flaky, 11) });
    const bob = await chat.machine(uniqueUser('bob'), { url: await link(flaky, 12) });
    const room = `flaky-${process.pid % 1000}`;
    expect((await alice.cli(['create', room])).status).toBe(0);
    const joined = await bob.cli(['join', room]);
    expect(joined.status, joined.stderr).toBe(0);

    const watch = bob.start(['watch', room, '--json']);
    await watch.stdout.waitFor('"type":"ready"', 1, 20_000);
    const stdin = new PassThrough();
    const stdout = new Capture();
    const stderr = new Capture();
    const sending = runCli(['send', room, '--stdin'], { env: alice.env, stdin, stdout, stderr });
    const texts = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`);
    for (const t of texts) {
      stdin.write(`${t}\n`);
      await new Promise((r) => setTimeout(r, 200)); // one every 2 s, ten times faster
    }
    stdin.end();
    const sent = await sending;
    expect(sent.status, sent.stderr).toBe(0);
    expect(sent.stdout.trim().split('\n')).toEqual(texts.map((_, i) => `sent ${room}#${i + 1}`));
    expect(sent.stderr).not.toMatch(/failed|not confirmed/);

    await watch.stdout.waitFor(`"x":"line ${texts.length}"`, 1, 30_000);
    watch.signals.emit('SIGINT');
    const result = await watch.done;
    const printed = jsonLines(result.stdout).filter((l) => l.type === 'message');
    expect(printed.map((l) => l.x)).toEqual(texts);
    expect(printed.map((l) => l.s)).toEqual(texts.map((_, i) => i + 1));
  });
});

describe('what send says when it cannot be sure', () => {
  let bare: TestStack;
  beforeAll(async () => {
    bare = await startTestStack(); // a broker and nothing that answers chat.send
  });
  afterAll(async () => {
    await bare?.close();
  });

  async function signedInHome(url: string) {
    const h = await tempHome();
    const username = uniqueUser('carl');
    const session = await createUserSession(bare, username, { device: 'term' });
    await new CliHome(h.home).writeSession({
      url,
      username,
      token: session.token,
      sessionId: session.sessionId,
      expiresAt: Date.now() + 3600_000,
      device: 'term',
    });
    return h;
  }

  it('exits 75 with "not confirmed yet … may still arrive" when the request went out but no ack came within --wait', async () => {
    const h = await signedInHome(bare.url);
    const result = await runCli(['send', 'general', 'hello?', '--wait', '1'], { env: h.env });
    expect(result.status).toBe(EXIT_NOT_CONFIRMED);
    expect(result.stderr).toMatch(
      /^tidings: not confirmed yet: no ack within 1 s for the message to general \(id [A-Za-z0-9_-]{12}\); it may still arrive, never twice/m,
    );
    expect(result.stderr).not.toMatch(/failed/);
    await h.remove();
  });

  it('exits 75 with "not sent" when it could not reach the broker within --wait, and says so while trying', async () => {
    const offline = await createLink({ target: { port: bare.broker.mqttPort }, profile: scaleProfile(profiles.calm, 0.05) });
    links.push(offline);
    offline.setOffline(true);
    const h = await signedInHome(`mqtt://127.0.0.1:${offline.port}`);
    const result = await runCli(['send', 'general', 'hello?', '--wait', '1', '--json'], { env: h.env });
    expect(result.status).toBe(EXIT_NOT_CONFIRMED);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { code: 'NOT_CONFIRMED', message: expect.stringMatching(/^not sent: cannot reach the broker at /) },
    });
    expect(result.stderr).toMatch(/^cannot reach the broker at .* yet \(.*\): trying for 1 s$/m);
    await h.remove();
  });
});
