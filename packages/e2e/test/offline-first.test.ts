import { createChatQuery } from '@tidings/chat-query';
import { createChatStore } from '@tidings/chat-store';
import { ConversationLog, connectUser, randomId, type Connection } from '@tidings/client';
import { ConversationEvent, topics } from '@tidings/protocol';
import { createUserSession, startServices, startTestStack, type TestStack } from '@tidings/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The reason Tidings exists: a member on a link that drops must end with every message
 * exactly once, in order — from the broker's queue for its persistent session, from
 * history gap-fill, or both.
 */

let stack: TestStack;
let services: { stop(): Promise<void> };
const open: Connection[] = [];

beforeEach(async () => {
  stack = await startTestStack();
  services = await startServices(stack, {
    // these tests are about delivery, not the per-user send rate limit (chat-store's own tests cover it)
    'chat-store': (deps) => createChatStore({ ...deps, settings: { sendRatePerSecond: 100_000, sendBurst: 100_000 } }),
    'chat-query': (deps) => createChatQuery(deps),
  });
});

afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => {});
  await services.stop();
  await stack.close();
});

async function signIn(username: string, device = 'laptop'): Promise<Connection> {
  const session = await createUserSession(stack, username, { device });
  const conn = await connectUser({ url: stack.url }, { username, token: session.token, device });
  open.push(conn);
  return conn;
}

/** A member's device: live events of `general` into a ConversationLog, gap-fill on every connect. */
async function member(username: string) {
  const session = await createUserSession(stack, username, { device: 'phone' });
  const log = new ConversationLog();
  let conn = await connectUser({ url: stack.url }, { username, token: session.token, device: 'phone' });
  let duplicates = 0;
  const attach = (c: Connection) =>
    c.client.on('message', (topic, payload) => {
      if (topic !== topics.room('general')) return;
      const event = ConversationEvent.parse(JSON.parse(payload.toString()));
      if (!log.apply(event) && event.t === 'm') duplicates++;
    });
  const gapFill = async (c: Connection) => {
    for (;;) {
      const page = await c.request('chat.history', { c: 'general', after: log.high, limit: 100 });
      log.addHistory(page.messages, page.lastSeq);
      if (!page.more) break;
    }
  };
  attach(conn);
  await conn.request('room.join', { name: 'general' });
  await conn.client.subscribeAsync(topics.room('general'), { qos: 1 });
  await gapFill(conn);
  return {
    log,
    duplicates: () => duplicates,
    /** Drops the link without a goodbye, like a phone going into a tunnel. */
    async drop() {
      conn.client.end(true);
    },
    /** Comes back with the same client id and persistent session, then gap-fills. */
    async reconnect() {
      conn = await connectUser({ url: stack.url }, { username, token: session.token, device: 'phone' });
      open.push(conn);
      attach(conn);
      await gapFill(conn);
    },
  };
}

describe('offline-first delivery', () => {
  it('gives a member who was away for 100 messages each of them exactly once, in order', async () => {
    const bob = await member('bob');
    const alice = await signIn('alice');
    const carol = await signIn('carol');
    for (const c of [alice, carol]) await c.request('room.join', { name: 'general' });

    await bob.drop();
    const sent: number[] = [];
    for (let i = 0; i < 100; i++) {
      const from = i % 2 === 0 ? alice : carol;
      const ack = await from.request('chat.send', { c: 'general', x: `message ${i}` });
      sent.push(ack.s);
    }
    await bob.reconnect();
    // queued QoS 1 events may still be arriving after the gap-fill: wait until they settle
    await expect.poll(() => bob.log.high, { timeout: 15_000 }).toBe(Math.max(...sent));

    const held = bob.log.messages();
    expect(held.map((m) => m.s)).toEqual(sent);
    expect(held.map((m) => m.x)).toEqual(sent.map((_, i) => `message ${i}`));
    expect(new Set(held.map((m) => m.s)).size).toBe(held.length);
    expect(bob.log.hasGap).toBe(false);
  });

  it('merges the broker’s queued events and the history gap-fill without duplicates', async () => {
    const bob = await member('bob');
    const alice = await signIn('alice');
    await alice.request('room.join', { name: 'general' });
    for (let i = 0; i < 10; i++) await alice.request('chat.send', { c: 'general', x: `before ${i}` });
    await expect.poll(() => bob.log.high).toBe(10);

    await bob.drop();
    for (let i = 0; i < 40; i++) await alice.request('chat.send', { c: 'general', x: `away ${i}` });
    await bob.reconnect();
    for (let i = 0; i < 10; i++) await alice.request('chat.send', { c: 'general', x: `after ${i}` });
    await expect.poll(() => bob.log.high, { timeout: 15_000 }).toBe(60);

    expect(bob.log.messages().map((m) => m.s)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // the persistent session really queued events while away (they arrived as duplicates of the gap-fill, and were dropped)
    expect(bob.duplicates()).toBeGreaterThan(0);
  });

  it('stores each of 1,000 concurrent sends from 10 clients exactly once, with contiguous sequence numbers, even when ids are retried', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(`user${i}`)));
    for (const c of clients) await c.request('room.join', { name: 'general' });
    const acked = new Map<string, number>(); // message id → seq
    let random = 42;
    const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

    await Promise.all(
      clients.map(async (c, ci) => {
        for (let i = 0; i < 100; i++) {
          const id = `${ci}-${i}-${randomId(6)}`;
          const copies = next() < 0.3 ? 1 + Math.floor(next() * 3) : 0;
          const send = () => c.request('chat.send', { c: 'general', x: `from ${ci}: ${i}` }, { id });
          const acks = await Promise.all([send(), ...Array.from({ length: copies }, send)]);
          for (const a of acks) expect(a).toEqual(acks[0]);
          acked.set(id, acks[0].s);
        }
      }),
    );

    const reader = clients[0]!;
    const history: { s: number; x: string }[] = [];
    let after = 0;
    for (;;) {
      const page = await reader.request('chat.history', { c: 'general', after, limit: 100 });
      history.push(...page.messages);
      if (!page.more) break;
      after = page.messages.at(-1)!.s;
    }
    expect(acked.size).toBe(1000);
    expect(history.map((m) => m.s)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(new Set(acked.values()).size).toBe(1000);
    const bySeq = new Map(history.map((m) => [m.s, m.x]));
    for (const [id, s] of acked) {
      const [ci, i] = id.split('-');
      expect(bySeq.get(s)).toBe(`from ${ci}: ${i}`);
    }
  }, 120_000);
});
