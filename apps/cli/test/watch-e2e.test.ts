import { startBroker, type RunningBroker } from '@tidings/broker';
import { topics } from '@tidings/protocol';
import { connectServiceClient } from '@tidings/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLink, type Link } from '@tidings/linksim';
import { eventually, jsonLines, servicesUp, startChatStack, type ChatStack, type Machine } from './chat-stack.js';
import { errorLine } from './helpers.js';
import { uniqueUser } from './stack.js';

let chat: ChatStack;
/** A broker started in place of the stack's own: closed after the services have left it. */
const restarted: RunningBroker[] = [];

beforeAll(async () => {
  chat = await startChatStack();
});
afterAll(async () => {
  await chat?.close();
  for (const broker of restarted.splice(0)) await broker.close();
});

let rooms = 0;
const uniqueRoom = (prefix: string) => `${prefix}-${process.pid % 1000}-${++rooms}`;

async function ok(m: Machine, argv: string[], stdin?: string): Promise<string> {
  const result = await m.cli(argv, stdin);
  if (result.status !== 0) throw new Error(`${m.username}: tidings ${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** A room with these people in it (the first creates it). */
async function roomWith(prefix: string, ...members: Machine[]): Promise<string> {
  const room = uniqueRoom(prefix);
  await ok(members[0]!, ['create', room]);
  for (const m of members.slice(1)) await ok(m, ['join', room]);
  return room;
}

const lines = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${from + i}`).join('\n');

type Line = Record<string, unknown>;
const messagesOf = (out: Line[]) => out.filter((l) => l.type === 'message');
const seqsOf = (out: Line[]) => messagesOf(out).map((l) => l.s);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('tidings watch', () => {
  it('prints the last page, then what another user sends, each message exactly once and in order (--json)', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const bob = await chat.machine(uniqueUser('bob'));
    const room = await roomWith('live', alice, bob);
    await ok(alice, ['send', room, '--stdin'], lines(3));

    const watch = bob.start(['watch', room, '--json']);
    await watch.stdout.waitFor('"type":"ready"');
    await ok(alice, ['send', room, '--stdin'], lines(20, 4));
    await ok(alice, ['send', room, 'the last one']);
    // Until the last one arrives, however loaded the machine (not a fixed window: --for has its own test in binary.test.ts).
    await watch.stdout.waitFor('"s":24', 1, 30_000);
    watch.signals.emit('SIGINT');

    const result = await watch.done;
    expect(result.status).toBe(0);
    const out = jsonLines(result.stdout);
    expect(seqsOf(out)).toEqual(range(1, 24));
    expect(messagesOf(out)[0]).toEqual({ type: 'message', c: room, s: 1, u: alice.username, x: 'line 1', at: expect.any(Number) });
    expect(messagesOf(out)[23]).toMatchObject({ s: 24, x: 'the last one' });
    expect(out.find((l) => l.type === 'ready')).toEqual({ type: 'ready', c: room, high: 3, lastSeq: 3 });
    expect(out.indexOf(out.find((l) => l.type === 'ready')!)).toBe(3);
    expect(out[out.length - 1]).toEqual({ ok: true, data: { c: room, high: 24, lastSeq: 24 } });
    // Every line is one JSON object: nothing else reached stdout.
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(out.length);
  });

  it('shows edits, likes, deletes, joins, typing and presence as they happen, and exits 0 on Ctrl-C', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const bob = await chat.machine(uniqueUser('bob'));
    const carol = await chat.machine(uniqueUser('carol'));
    const room = await roomWith('events', alice, bob);
    await ok(alice, ['send', room, 'hello bob']);

    bob.env.TIDINGS_WATCH_PRESENCE_DELAY = '0.5'; // presence changes shown once they last half a second
    const watch = bob.start(['watch', room]);
    await watch.stderr.waitFor(`watching ${room} (Ctrl-C to stop)`);
    expect(watch.stdout.text).toMatch(new RegExp(`^#1  \\d\\d:\\d\\d  ${alice.username}: hello bob\\n$`));

    await ok(alice, ['edit', `${room}#1`, 'hello, bob']);
    await watch.stdout.waitFor(`${alice.username}: hello, bob (edited)\n`);
    await ok(carol, ['join', room]);
    await watch.stderr.waitFor(`${carol.username} joined ${room}\n`);
    await ok(carol, ['like', `${room}#1`]);
    await watch.stdout.waitFor(`${alice.username}: hello, bob (edited)  ❤️ 1\n`);
    await ok(alice, ['delete', `${room}#1`]);
    await watch.stdout.waitFor(`${alice.username}: (deleted)\n`);

    // alice on her phone: online, typing, then gone.
    const phone = await chat.device(alice.username, 'phone');
    await watch.stderr.waitFor(`${alice.username} is online\n`);
    phone.send('chat.typing', { c: room });
    await watch.stderr.waitFor(`${alice.username} is typing…\n`);
    await phone.close();
    await eventually(() => expect(watch.stderr.text).toMatch(new RegExp(`${alice.username} is offline \\(last seen [0-9: -]+\\)\\n`)));

    watch.signals.emit('SIGINT');
    const result = await watch.done;
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('#1 '))).toHaveLength(4); // printed, edited, liked, deleted
    expect(result.stderr).not.toContain('tidings:');
    expect(result.stderr).not.toContain(`${bob.username} is`); // never the watcher's own presence or typing
  });

  it('shows presence only once a change has lasted (a one-shot command shows nothing), and none with --no-presence', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const bob = await chat.machine(uniqueUser('bob'));
    const carol = await chat.machine(uniqueUser('carol'));
    const room = await roomWith('presence', alice, bob, carol);
    await ok(alice, ['send', room, 'hello']);

    bob.env.TIDINGS_WATCH_PRESENCE_DELAY = '2';
    const watch = bob.start(['watch', room]);
    const quiet = carol.start(['watch', room, '--no-presence']);
    await watch.stderr.waitFor(`watching ${room} (Ctrl-C to stop)`);
    await quiet.stderr.waitFor(`watching ${room} (Ctrl-C to stop)`);

    // alice runs one-shot commands: each comes online and goes offline again within the delay.
    for (let i = 0; i < 3; i++) await ok(alice, ['rooms']);
    await ok(alice, ['send', room, 'one-shot']);
    await watch.stdout.waitFor(`${alice.username}: one-shot\n`);
    // Then she stays (her phone): that lasts, and is shown once. Presence events arrive in order,
    // so every flip of the one-shot commands reached the watch before this one.
    const phone = await chat.device(alice.username, 'phone');
    await watch.stderr.waitFor(`${alice.username} is online\n`, 1, 15_000);
    await phone.close();
    await watch.stderr.waitFor(`${alice.username} is offline`, 1, 15_000);
    await quiet.stdout.waitFor(`${alice.username}: one-shot\n`);

    watch.signals.emit('SIGINT');
    quiet.signals.emit('SIGINT');
    const [shown, hidden] = await Promise.all([watch.done, quiet.done]);
    expect(shown.status).toBe(0);
    const presenceLines = shown.stderr.split('\n').filter((l) => / is (online|offline)/.test(l));
    expect(presenceLines).toEqual([
      `${alice.username} is online`,
      expect.stringMatching(new RegExp(`^${alice.username} is offline \\(last seen [0-9: -]+\\)$`)),
    ]);
    expect(hidden.status).toBe(0);
    expect(hidden.stderr).not.toMatch(/ is (online|offline)/);
  });

  it('follows a direct conversation and nothing else from the inbox', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const bob = await chat.machine(uniqueUser('bob'));
    const carol = await chat.machine(uniqueUser('carol'));

    const watch = alice.start(['watch', `@${bob.username}`, '--json']);
    await watch.stdout.waitFor('"type":"ready"');
    await ok(carol, ['dm', alice.username, 'not for this watch']);
    await ok(bob, ['dm', alice.username, 'for the watch']);
    await ok(alice, ['dm', bob.username, 'and my answer']);
    await watch.stdout.waitFor('and my answer');
    watch.signals.emit('SIGTERM');

    const result = await watch.done;
    expect(result.status).toBe(0);
    const out = jsonLines(result.stdout);
    expect(messagesOf(out).map((l) => [l.c, l.s, l.u, l.x])).toEqual([
      [`@${bob.username}`, 1, bob.username, 'for the watch'],
      [`@${bob.username}`, 2, alice.username, 'and my answer'],
    ]);
    expect(result.stdout).not.toContain('not for this watch');
  });

  it('does not lose its connection when the same user runs other commands beside it', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const bob = await chat.machine(uniqueUser('bob'));
    const room = await roomWith('beside', alice, bob);
    const watch = alice.start(['watch', room, '--json']);
    await watch.stdout.waitFor('"type":"ready"');
    // The same machine (same session and device) sends while the watch runs.
    await ok(alice, ['send', room, 'from another terminal']);
    await ok(bob, ['send', room, 'from bob']);
    await watch.stdout.waitFor('from bob');
    watch.signals.emit('SIGINT');
    const result = await watch.done;
    expect(result.status).toBe(0);
    expect(jsonLines(result.stdout).filter((l) => l.type === 'connection')).toEqual([]);
    expect(seqsOf(jsonLines(result.stdout))).toEqual([1, 2]);
  });

  it('stops with the reason, exit 1, and forgets the session when it is revoked while watching', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const room = await roomWith('revoked', alice);
    const watch = alice.start(['watch', room]);
    await watch.stderr.waitFor(`watching ${room}`);

    // What auth does on logout elsewhere: mark the session revoked, and tell the broker.
    const session = (await alice.home.readSession())!;
    await chat.stack.db.prisma.session.update({ where: { id: session.sessionId }, data: { revokedAt: new Date() } });
    const auth = await connectServiceClient(chat.stack, 'auth');
    try {
      await auth.publishAsync(topics.sessionRevoked, JSON.stringify({ sessionIds: [session.sessionId], username: alice.username, reason: 'logout' }), {
        qos: 1,
      });
      const result = await watch.done;
      expect(result.status).toBe(1);
      expect(result.stderr.trimEnd().split('\n').pop()).toBe(
        `tidings: the session of ${alice.username} has expired or was revoked: sign in again with tidings login ${alice.username}`,
      );
      expect(await alice.home.readSession()).toBeNull();
    } finally {
      await auth.endAsync();
    }
  });

  it('fails with the reason when the room does not exist', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const result = await alice.cli(['watch', 'no-such-room-here', '--for', '1']);
    expect(result.status).toBe(1);
    expect(errorLine(result)).toBe('tidings: there is no room named no-such-room-here');
  });
});

describe('tidings watch on a link that drops', () => {
  let link: Link;
  let linkUrl: string;

  beforeAll(async () => {
    // The link simulator with no impairment: offline (cut, and refusing new connections) on demand.
    link = await createLink({ target: { port: Number(new URL(chat.url).port) } });
    linkUrl = `mqtt://127.0.0.1:${link.port}`;
  });
  afterAll(async () => {
    await link?.close();
  });

  it('after losing its connection, prints the messages sent meanwhile exactly once, in order', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const bob = await chat.machine(uniqueUser('bob'), { url: linkUrl });
    const room = await roomWith('flaky', alice, bob);
    await ok(alice, ['send', room, '--stdin'], lines(2));

    const watch = bob.start(['watch', room, '--json']);
    await watch.stdout.waitFor('"type":"ready"');
    await ok(alice, ['send', room, 'line 3']);
    await watch.stdout.waitFor('"s":3');

    link.setOffline(true);
    await watch.stdout.waitFor('"state":"lost"');
    // Sent while the watcher cannot reach the broker: the broker queues them for its session,
    // and the watcher asks history only whether anything after them is missing when it is back.
    await ok(alice, ['send', room, '--stdin'], lines(5, 4));
    link.setOffline(false);
    await watch.stdout.waitFor('"state":"restored"', 1, 20_000);
    await watch.stdout.waitFor('"s":8', 1, 10_000);
    await ok(alice, ['send', room, 'line 9']);
    await watch.stdout.waitFor('"s":9');

    watch.signals.emit('SIGINT');
    const result = await watch.done;
    expect(result.status).toBe(0);
    const out = jsonLines(result.stdout);
    expect(seqsOf(out)).toEqual(range(1, 9));
    expect(messagesOf(out).map((l) => l.x)).toEqual(range(1, 9).map((n) => `line ${n}`));
    expect(out.filter((l) => l.type === 'connection')).toEqual([
      { type: 'connection', state: 'lost' },
      { type: 'connection', state: 'restored' },
    ]);
  });

  it('fills the gap from history when the broker restarted and forgot its session', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const bob = await chat.machine(uniqueUser('bob'), { url: linkUrl });
    const room = await roomWith('restart', alice, bob);
    await ok(alice, ['send', room, '--stdin'], lines(2));

    const watch = bob.start(['watch', room, '--json']);
    await watch.stdout.waitFor('"type":"ready"');

    // The watcher's link goes down, and the broker restarts on the same port: every session
    // (subscriptions, queued events, the watcher's reply topic) is gone.
    link.setOffline(true);
    await watch.stdout.waitFor('"state":"lost"');
    const port = Number(new URL(chat.url).port);
    await chat.stack.broker.close();
    const broker: RunningBroker = await startBroker({
      host: '127.0.0.1',
      mqttPort: port,
      httpPort: 0,
      limits: { connectionAttemptsPerMinute: 0 },
      logger: chat.stack.logger,
      db: chat.stack.db,
      serviceCredentials: chat.stack.credentials,
    });
    restarted.push(broker);
    await servicesUp(chat.stack, chat.url, ['chat-store', 'chat-query']);
    // Sent while the watcher is away, once the services are back.
    await ok(alice, ['send', room, '--stdin'], lines(4, 3));
    link.setOffline(false);
    await watch.stdout.waitFor('"state":"restored"', 1, 20_000);
    await watch.stdout.waitFor('"s":6', 1, 15_000);
    // And it follows the room live again on the new broker.
    await ok(alice, ['send', room, 'line 7']);
    await watch.stdout.waitFor('"s":7', 1, 10_000);

    watch.signals.emit('SIGINT');
    const result = await watch.done;
    expect(result.status).toBe(0);
    const out = jsonLines(result.stdout);
    expect(seqsOf(out)).toEqual(range(1, 7));
    expect(messagesOf(out).map((l) => l.x)).toEqual(range(1, 7).map((n) => `line ${n}`));
  });
});
