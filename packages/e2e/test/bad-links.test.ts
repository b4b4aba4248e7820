import { createChatQuery } from '@tidings/chat-query';
import { createChatStore } from '@tidings/chat-store';
import { ConversationLog, connectUser, randomId, type Connection } from '@tidings/client';
import { createLink, profiles, scaleProfile, type Link, type LinkProfile } from '@tidings/linksim';
import { ConversationEvent, topics } from '@tidings/protocol';
import { createUserSession, startServices, startTestStack, type TestStack } from '@tidings/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The client library through the link simulator (@tidings/linksim), time-scaled: what a person on
 * a slow, dropping link does — send, and follow a room — must end with every message acknowledged
 * to its sender, stored once, and shown once, in order. The full-length profiles run in
 * `pnpm bench --only link`.
 */

let stack: TestStack;
let services: { stop(): Promise<void> };
const links: Link[] = [];
const open: Connection[] = [];
/** chat.send requests as the broker received them: how many copies of each id. */
const copies = new Map<string, number>();

beforeEach(async () => {
  stack = await startTestStack();
  services = await startServices(stack, {
    'chat-store': (deps) => createChatStore({ ...deps, settings: { sendRatePerSecond: 1000, sendBurst: 1000 } }),
    'chat-query': (deps) => createChatQuery(deps),
  });
  copies.clear();
  stack.broker.aedes.on('publish', (packet, client) => {
    if (!client || !packet.topic.endsWith('/chat.send')) return;
    const id = (JSON.parse(packet.payload.toString()) as { id: string }).id;
    copies.set(id, (copies.get(id) ?? 0) + 1);
  });
});

afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => {});
  for (const l of links.splice(0)) await l.close();
  await services.stop();
  await stack.close();
});

async function through(profile: LinkProfile, seed = 1): Promise<Link> {
  const link = await createLink({ target: { port: stack.broker.mqttPort }, profile, seed });
  links.push(link);
  return link;
}

async function signIn(username: string, link?: Link): Promise<Connection> {
  const session = await createUserSession(stack, username, { device: 'phone' });
  const url = link ? `mqtt://127.0.0.1:${link.port}` : stack.url;
  const conn = await connectUser({ url, connectTimeoutMs: 30_000 }, { username, token: session.token, device: 'phone' });
  open.push(conn);
  return conn;
}

/** A member following `general` into a ConversationLog, probing for what is missing after each reconnect. */
async function follower(conn: Connection) {
  const log = new ConversationLog();
  let twice = 0;
  conn.client.on('message', (topic, payload) => {
    if (topic !== topics.room('general')) return;
    const event = ConversationEvent.parse(JSON.parse(payload.toString()));
    if (!log.apply(event) && event.t === 'm') twice++;
  });
  const fill = async () => {
    for (;;) {
      const page = await conn.request('chat.history', { c: 'general', after: log.high, limit: 100 });
      log.addHistory(page.messages, page.lastSeq);
      if (!page.more) break;
    }
  };
  conn.client.on(
    'connect',
    (connack) =>
      void (
        connack.sessionPresent ? conn.request('chat.history', { c: 'general', after: log.high, limit: 0 }).then((p) => log.addHistory([], p.lastSeq)) : fill()
      ).catch(() => {}),
  );
  await conn.request('room.join', { name: 'general' });
  await conn.client.subscribeAsync(topics.room('general'), { qos: 1 });
  await fill();
  return { log, twice: () => twice, fill };
}

const expectEachOnceInOrder = (log: ConversationLog, texts: string[]) => {
  const held = log.messages();
  expect(held.map((m) => m.x)).toEqual(texts);
  expect(held.map((m) => m.s)).toEqual(texts.map((_, i) => i + 1));
};

describe('requests on a bad link', () => {
  it('sends a request made while the link is down once the link is back, once, and answers it', async () => {
    const link = await through(scaleProfile(profiles.calm, 0.05));
    const alice = await signIn('alice', link);
    await alice.request('room.join', { name: 'general' });
    link.setOffline(true);
    await expect.poll(() => alice.client.connected).toBe(false);
    const id = randomId(12);
    const sending = alice.request('chat.send', { c: 'general', x: 'written in the tunnel' }, { id, timeoutMs: 60_000 });
    const refused = link.stats.refused;
    await expect.poll(() => link.stats.refused).toBeGreaterThanOrEqual(refused + 2); // several refused attempts meanwhile
    expect(copies.get(id)).toBeUndefined(); // nothing piled up while it could not go
    link.setOffline(false);
    const ack = await sending;
    expect(ack.s).toBe(1);
    expect(copies.get(id)).toBe(1);
  });

  it('leaves a stuck connection (a stall that closes nothing) and is answered on a new one long before the stall ends', async () => {
    const link = await through({ ...profiles.none, name: 'slow', delayMs: 100 });
    const alice = await signIn('alice', link);
    await alice.request('room.join', { name: 'general' });
    link.stall(30_000);
    const started = performance.now();
    const ack = await alice.request('chat.send', { c: 'general', x: 'through the stall' }, { timeoutMs: 30_000 });
    expect(ack.s).toBe(1);
    // the floor of the stuck check (3 s) and a reconnect: far from the 30 s the stall lasts
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(link.stats.accepted).toBeGreaterThan(1);
  });

  it('tells the caller "not confirmed yet" (never failed) when no answer comes in its time, and sends nothing new meanwhile', async () => {
    const link = await through(scaleProfile(profiles.calm, 0.05));
    const alice = await signIn('alice', link);
    link.setOffline(true);
    await expect.poll(() => alice.client.connected).toBe(false);
    const err = await alice.request('chat.send', { c: 'general', x: 'never left' }, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', notConfirmed: true, sent: false });
    expect(alice.requester.pending).toBe(0);
  });
});

describe('a conversation across bad links (time-scaled profiles)', () => {
  it('flaky on both sides: every message acknowledged to its sender, stored once, shown once, in order', async () => {
    const flaky = scaleProfile(profiles.flaky, 0.1); // 100 ms each way, cuts every 1–3 s, 2 s stalls
    const alice = await signIn('alice', await through(flaky, 7));
    const bob = await follower(await signIn('bob', await through(flaky, 8)));
    await alice.request('room.join', { name: 'general' });
    const texts = Array.from({ length: 40 }, (_, i) => `m${i}`);
    const acks = [];
    for (const x of texts) {
      acks.push(alice.request('chat.send', { c: 'general', x }, { timeoutMs: 60_000 }));
      await new Promise((r) => setTimeout(r, 200));
    }
    const settled = await Promise.allSettled(acks);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    await expect.poll(() => bob.log.high, { timeout: 30_000 }).toBe(texts.length);
    expectEachOnceInOrder(bob.log, texts);
    for (const [, n] of copies) expect(n).toBeLessThanOrEqual(4); // copies after reconnects, never a pile
  });

  it('outage on the follower: caught up from the broker’s queue after the link returns, nothing fetched twice', async () => {
    const link = await through(scaleProfile(profiles.calm, 0.05));
    const alice = await signIn('alice');
    const bobConn = await signIn('bob', link);
    const bob = await follower(bobConn);
    await alice.request('room.join', { name: 'general' });
    await alice.request('chat.send', { c: 'general', x: 'before' });
    await expect.poll(() => bob.log.high).toBe(1);
    let pages = 0;
    bobConn.client.on('packetsend', (p) => {
      if (p.cmd === 'publish' && p.topic.endsWith('/chat.history') && !String(p.payload).includes('"limit":0')) pages++;
    });
    link.setOffline(true);
    await expect.poll(() => bobConn.client.connected).toBe(false);
    const texts = ['before', ...Array.from({ length: 30 }, (_, i) => `while away ${i}`)];
    for (const x of texts.slice(1)) await alice.request('chat.send', { c: 'general', x });
    link.setOffline(false);
    await expect.poll(() => bob.log.high, { timeout: 15_000 }).toBe(texts.length);
    expectEachOnceInOrder(bob.log, texts);
    expect(pages).toBe(0); // the queue delivered them; the probe asked for lastSeq only
  });
});
