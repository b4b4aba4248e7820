import { randomUUID } from 'node:crypto';
import type { Database } from '@tidings/db';
import { topics, type RoomAccessEvent } from '@tidings/protocol';
import type { AedesPublishPacket, Client } from 'aedes';
import { connect, type MqttClient } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { asService, asUser, closed, createSession, grantOf, grantsOf, harness, inbox, type Harness } from './helpers.js';

// Private rooms through a real broker: the broker loads who may read each private room at start,
// follows chat-store's t/svc/room-access events, and checks every subscribe and every delivery
// on t/room/<name> against that, in memory.

const REFUSED = 128;
type Deliver = (packet: AedesPublishPacket, done: () => void) => void;
const secret = topics.room('secret');
const general = topics.room('general');

/** A private room with these members, written as chat-store writes it (before the broker starts). */
async function privateRoom(db: Database, name: string, usernames: string[]): Promise<void> {
  const id = randomUUID();
  await db.prisma.conversation.create({ data: { id, kind: 'room', name, private: true } });
  for (const username of usernames) {
    const user = await db.prisma.user.upsert({ where: { username }, update: {}, create: { id: randomUUID(), username, passwordHash: '!test' } });
    await db.prisma.membership.create({ data: { conversationId: id, userId: user.id, role: 'member' } });
  }
}

/** A broker that knows `secret` (alice and carol) and `empty` (nobody) as private rooms, plus alice, bob and chat-store connected. */
async function stage(setup: Parameters<typeof harness>[1] = {}) {
  const h = await harness(
    {},
    {
      ...setup,
      before: async (db) => {
        await privateRoom(db, 'secret', ['alice', 'carol']);
        await privateRoom(db, 'empty', []);
        await setup.before?.(db);
      },
    },
  );
  const a = await createSession(h.db, 'alice');
  const b = await createSession(h.db, 'bob');
  const store = await asService(h, 'chat-store');
  return { h, a, b, store };
}

/** Publishes a room-access event as chat-store and waits until the broker holds this many memberships. */
async function access(h: Harness, store: MqttClient, event: RoomAccessEvent, memberships: number): Promise<void> {
  await store.publishAsync(topics.roomAccess, JSON.stringify(event), { qos: 1 });
  await expect.poll(() => h.broker.privateRooms().memberships).toBe(memberships);
}

function liveSubscriptions(h: Harness, clientId: string): string[] {
  const client = (h.broker.aedes as unknown as { clients: Record<string, Client & { subscriptions: Record<string, unknown> }> }).clients[clientId];
  return Object.keys(client?.subscriptions ?? {});
}

describe('private rooms', () => {
  it('loads the private rooms and their members already in the database at start', async () => {
    const { h, a, b } = await stage();
    expect(h.broker.privateRooms()).toEqual({ rooms: 2, memberships: 2 });
    const alice = await asUser(h.broker.url, a);
    const bob = await asUser(h.broker.url, b);
    expect(await grantOf(alice, secret)).toBe(1);
    expect(await grantOf(bob, secret)).toBe(REFUSED);
    expect(await grantOf(bob, topics.room('empty'))).toBe(REFUSED);
    expect(h.lines().join('\n')).toContain('private rooms loaded');
  });

  it('does not start when the private rooms cannot be read', async () => {
    const failing = harness(
      {},
      {
        brokerDb: (db) => ({
          ...db,
          prisma: new Proxy(db.prisma, {
            get: (t, key) => (key === '$queryRaw' ? () => Promise.reject(new Error('database down')) : (Reflect.get(t, key, t) as unknown)),
          }),
        }),
      },
    );
    await expect(failing).rejects.toThrow('could not load the private rooms');
  });

  it('delivers a private room to a member who subscribed', async () => {
    const { h, a, store } = await stage();
    const alice = await asUser(h.broker.url, a);
    const got = inbox(alice);
    expect(await grantOf(alice, secret)).toBe(1);
    const message = got.next(secret);
    await store.publishAsync(secret, 'for members', { qos: 1 });
    expect((await message).payload).toBe('for members');
  });

  it("refuses a non-member's subscription and t/room/+, and delivers them nothing of the room", async () => {
    const { h, a, b, store } = await stage();
    const alice = await asUser(h.broker.url, a);
    const bob = await asUser(h.broker.url, b);
    const aliceGot = inbox(alice);
    const bobGot = inbox(bob);
    expect(await grantsOf(bob, [secret, topics.room('+'), general])).toEqual([REFUSED, REFUSED, 1]);
    expect(await grantOf(alice, topics.room('+'))).toBe(REFUSED);
    expect(await grantsOf(alice, [secret, general])).toEqual([1, 1]);
    expect(bob.connected).toBe(true);
    const aliceSecret = aliceGot.next(secret);
    const bobGeneral = bobGot.next(general);
    await store.publishAsync(secret, 'private', { qos: 1 });
    await store.publishAsync(general, 'public', { qos: 1 });
    expect((await aliceSecret).payload).toBe('private');
    // public rooms unchanged: bob reads general; and the private message, published first, never came
    expect((await bobGeneral).payload).toBe('public');
    expect(bobGot.messages).toEqual([{ topic: general, payload: 'public', retain: false }]);
  });

  it('ends the subscription of a removed member at once: nothing further on the live connection', async () => {
    const { h, a, store } = await stage();
    const alice = await asUser(h.broker.url, a);
    const got = inbox(alice);
    expect(await grantsOf(alice, [secret, general])).toEqual([1, 1]);
    const before = got.next(secret);
    await store.publishAsync(secret, 'before', { qos: 1 });
    await before;
    await access(h, store, { r: 'secret', u: 'alice', on: false }, 1);
    // aedes routes the room to her no more (the delivery check would drop it anyway)
    await expect.poll(() => liveSubscriptions(h, 'alice:laptop')).toEqual([general]);
    const sentinel = got.next(general);
    await store.publishAsync(secret, 'after', { qos: 1 });
    await store.publishAsync(general, 'sentinel', { qos: 1 });
    await sentinel;
    expect(got.messages.map((m) => m.payload)).toEqual(['before', 'sentinel']);
    expect(alice.connected).toBe(true);
    // …nor may she subscribe again
    expect(await grantOf(alice, secret)).toBe(REFUSED);
  });

  it('drops at delivery what a route made before the removal would still carry', async () => {
    // A route to her client that aedes still holds after the removal (a subscription restored
    // with a persistent session skips the subscribe check, say): the delivery check alone must
    // stop the room. The route is added by hand, as aedes adds a subscription's.
    const { h, a, store } = await stage();
    const alice = await asUser(h.broker.url, a);
    const got = inbox(alice);
    expect(await grantsOf(alice, [secret, general])).toEqual([1, 1]);
    await access(h, store, { r: 'secret', u: 'alice', on: false }, 1);
    await expect.poll(() => liveSubscriptions(h, 'alice:laptop')).toEqual([general]);
    const client = (h.broker.aedes as unknown as { clients: Record<string, Client & { deliverQoS: Deliver }> }).clients['alice:laptop']!;
    const route: Deliver = (packet, done) => client.deliverQoS(packet, done);
    await new Promise<void>((resolve) => h.broker.aedes.subscribe(secret, route, () => resolve()));
    onTestFinished(() => new Promise<void>((resolve) => h.broker.aedes.unsubscribe(secret, route, () => resolve())));
    const sentinel = got.next(general);
    await store.publishAsync(secret, 'after', { qos: 1 });
    await store.publishAsync(general, 'sentinel', { qos: 1 });
    await sentinel;
    expect(got.messages.map((m) => m.payload)).toEqual(['sentinel']);
  });

  it("delivers nothing of the room from a removed member's persistent-session queue when they reconnect", async () => {
    const { h, a, store } = await stage();
    let alice = await asUser(h.broker.url, a, 'laptop', { clean: false });
    expect(await grantsOf(alice, [secret, general])).toEqual([1, 1]);
    await alice.endAsync();
    await store.publishAsync(secret, 'queued while a member', { qos: 1 });
    await access(h, store, { r: 'secret', u: 'alice', on: false }, 1);
    await store.publishAsync(secret, 'after removal', { qos: 1 });
    await store.publishAsync(general, 'sentinel', { qos: 1 });
    // The stored subscription went with the removal: nothing after it was even queued.
    expect(h.broker.queued('alice:laptop').messages).toBe(2);
    const received: string[] = [];
    await new Promise<void>((resolve) => {
      alice = connectListening(h.broker.url, a, (_topic, payload) => {
        received.push(payload.toString());
        if (payload.toString() === 'sentinel') resolve();
      });
    });
    // The message queued before the removal is dropped at delivery too: she may not read the room now.
    expect(received).toEqual(['sentinel']);
    expect(alice.connected).toBe(true);
  });

  it('lets a newly invited member subscribe and receive', async () => {
    const { h, b, store } = await stage();
    const bob = await asUser(h.broker.url, b);
    expect(await grantOf(bob, secret)).toBe(REFUSED);
    await access(h, store, { r: 'secret', u: 'bob', on: true }, 3);
    expect(await grantOf(bob, secret)).toBe(1);
    const message = inbox(bob).next(secret);
    await store.publishAsync(secret, 'welcome', { qos: 1 });
    expect((await message).payload).toBe('welcome');
  });

  it('makes a room private from its first event (a room created after the start)', async () => {
    const { h, a, b, store } = await stage();
    const bob = await asUser(h.broker.url, b);
    expect(await grantOf(bob, topics.room('later'))).toBe(1);
    await bob.unsubscribeAsync(topics.room('later'));
    await access(h, store, { r: 'later', u: 'alice', on: true }, 3);
    expect(h.broker.privateRooms().rooms).toBe(3);
    expect(await grantOf(bob, topics.room('later'))).toBe(REFUSED);
    const alice = await asUser(h.broker.url, a);
    expect(await grantOf(alice, topics.room('later'))).toBe(1);
  });

  it.each(['user', 'likes'] as const)('refuses a %s publishing on t/svc/room-access and changes nothing', async (who) => {
    const { h, b } = await stage();
    const offender = who === 'user' ? await asUser(h.broker.url, b) : await asService(h, 'likes');
    const gone = closed(offender);
    offender.publish(topics.roomAccess, JSON.stringify({ r: 'secret', u: 'bob', on: true }), { qos: 1 });
    await gone;
    expect(h.lines().join('\n')).toContain('refused a publish');
    expect(h.broker.privateRooms()).toEqual({ rooms: 2, memberships: 2 });
    const bob = await asUser(h.broker.url, b, 'phone');
    expect(await grantOf(bob, secret)).toBe(REFUSED);
    expect(await grantOf(bob, topics.roomAccess)).toBe(REFUSED);
  });

  it('ignores and logs a malformed room-access event', async () => {
    const { h, a, store } = await stage();
    for (const bad of ['not json', '{"r":"secret","u":"alice"}', '{"r":"Bad Name","u":"alice","on":false}', '{"r":"secret","u":"A","on":false}']) {
      await store.publishAsync(topics.roomAccess, bad, { qos: 1 });
    }
    await expect.poll(() => h.lines().filter((l) => l.includes('ignored a malformed room-access event')).length).toBe(4);
    expect(h.broker.privateRooms()).toEqual({ rooms: 2, memberships: 2 });
    const alice = await asUser(h.broker.url, a);
    expect(await grantOf(alice, secret)).toBe(1);
  });

  it('reads the database for none of 200 deliveries to a private and a public room', async () => {
    let queries = 0;
    const { h, a, store } = await stage({
      brokerDb: (db) => ({ ...db, prisma: counting(db.prisma, () => queries++), sqlite: db.sqlite, close: () => db.close() }),
    });
    const alice = await asUser(h.broker.url, a);
    const got = inbox(alice);
    expect(await grantsOf(alice, [secret, general])).toEqual([1, 1]);
    const before = queries;
    expect(before).toBeGreaterThan(0); // the counter counts: the start-up load and the session check went through it
    for (let i = 0; i < 100; i++) {
      store.publish(secret, `s${i}`, { qos: 1 });
      store.publish(general, `g${i}`, { qos: 1 });
    }
    await expect.poll(() => got.messages.length).toBe(200);
    expect(await grantOf(alice, topics.room('another'))).toBe(1);
    expect(queries).toBe(before);
  });
});

/** The Prisma client, with every method call (model operations, $queryRaw, …) counted. */
function counting<T extends object>(target: T, count: () => void): T {
  return new Proxy(target, {
    get(t, key) {
      const value: unknown = Reflect.get(t, key, t);
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          count();
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      }
      if (value !== null && typeof value === 'object' && typeof key === 'string' && !key.startsWith('_')) return counting(value, count);
      return value;
    },
  });
}

function connectListening(url: string, s: { username: string; token: string }, onMessage: (topic: string, payload: Buffer) => void): MqttClient {
  const client = connect(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: `${s.username}:laptop`,
    username: s.username,
    password: s.token,
    clean: false,
  });
  client.on('message', onMessage);
  onTestFinished(() => client.endAsync(true));
  return client;
}
