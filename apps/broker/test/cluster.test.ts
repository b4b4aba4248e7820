import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { defaultDatabaseUrl, migrate, openDatabase, type Database } from '@tidings/db';
import { serviceClientId, topics } from '@tidings/protocol';
import { loadOrCreateServiceCredentials, type ServiceCredentials } from '@tidings/service-kit';
import type { Client } from 'aedes';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startBroker, type Limits, type RunningBroker } from '../src/index.js';
import { asGuest, asUser, captureLogger, closed, createSession, grantOf, grantsOf, inbox, open, randomGuestId, refusalOf } from './helpers.js';

// Two brokers in this process, on port 0, sharing one SQLite file (each opens it) and one Redis:
// what a client does on one is seen on the other. Runs when TEST_REDIS_URL is set
// (redis://127.0.0.1:6379); each test has a prefix of its own, and its keys are deleted after.

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.log('skipping the broker cluster tests: TEST_REDIS_URL is unset (e.g. redis://127.0.0.1:6379)');

const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const general = topics.room('general');
const secret = topics.room('secret');

/** ioredis as the broker's Redis libraries load it, to delete a test's keys. */
type Redis = { keys(pattern: string): Promise<string[]>; del(...keys: string[]): Promise<number>; quit(): Promise<unknown> };
const require = createRequire(import.meta.url);
const RedisClient = createRequire(require.resolve('aedes-persistence-redis'))('ioredis') as new (url: string) => Redis;

interface Cluster {
  dir: string;
  db: Database;
  credentials: ServiceCredentials;
  a: RunningBroker;
  b: RunningBroker;
  /** Starts one more broker of the cluster (closed after the test). */
  start(): Promise<RunningBroker>;
  keys(): Promise<string[]>;
}

async function cluster(before?: (db: Database) => Promise<void>, limits: Partial<Limits> = {}, now?: () => number): Promise<Cluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tidings-cluster-test-'));
  const url = defaultDatabaseUrl(dir);
  await migrate(url);
  const db = await openDatabase(url);
  const redis = new RedisClient(redisUrl!);
  const prefix = `test-cluster-${randomBytes(6).toString('hex')}`;
  const credentials = loadOrCreateServiceCredentials(dir);
  const running: { broker: RunningBroker; db: Database }[] = [];
  onTestFinished(async () => {
    for (const r of running) {
      await r.broker.close();
      await r.db.close();
    }
    await db.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });
  await before?.(db);
  const start = async () => {
    const own = await openDatabase(url); // each broker its own connection, as two processes would have
    const broker = await startBroker({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: 0,
      logger: captureLogger().logger,
      db: own,
      serviceCredentials: credentials,
      limits: { connectionAttemptsPerMinute: 0, ...limits },
      redis: { url: redisUrl!, prefix },
      ...(now ? { now } : {}),
    }).catch(async (err: unknown) => {
      await own.close();
      throw err;
    });
    running.push({ broker, db: own });
    return broker;
  };
  const a = await start();
  const b = await start();
  return { dir, db, credentials, a, b, start, keys: () => redis.keys(`${prefix}:*`) };
}

/** A service connected to one broker of the cluster. */
const serviceOn = (c: Cluster, broker: RunningBroker, service: string) =>
  open(broker.url, {
    clientId: serviceClientId(service, randomBytes(4).toString('hex')),
    username: `svc:${service}`,
    password: c.credentials[service]!,
    clean: true,
  });

/** The live connection of a client id on one broker. */
const clientOn = (broker: RunningBroker, clientId: string) =>
  (broker.aedes as unknown as { clients: Record<string, (Client & { subscriptions: Record<string, unknown> }) | undefined> }).clients[clientId];

describe.skipIf(!redisUrl)('a broker cluster on Redis', () => {
  it('delivers a message published through broker A to a subscriber on broker B', async () => {
    const c = await cluster();
    const alice = await createSession(c.db, 'alice');
    const reader = await asUser(c.b.url, alice);
    const seen = inbox(reader);
    expect(await grantOf(reader, general)).toBe(1);
    const store = await serviceOn(c, c.a, 'chat-store');
    const got = seen.next(general);
    // The subscription is local to B; Redis Pub/Sub routes A's publish to it.
    await store.publishAsync(general, 'hello from A', { qos: 1 });
    expect((await got).payload).toBe('hello from A');
  });

  it('delivers every packet of a broker to a client subscribed to topics that take different times to route', async () => {
    // aedes numbers each packet before queueing it for persistent sessions, and a client drops a
    // packet numbered below the last it got from that broker. On Redis a room with offline
    // persistent members takes a round trip per member to queue, a reply one: the reply
    // overtook the room event, and the member lost the event (issue 12's cluster test).
    const c = await cluster();
    for (let i = 0; i < 20; i++) {
      const away = await asUser(c.a.url, await createSession(c.db, `away${i}`), 'phone', { clean: false });
      expect(await grantOf(away, general)).toBe(1);
      await away.endAsync();
    }
    const alice = await createSession(c.db, 'alice');
    const member = await asUser(c.b.url, alice, 'laptop', { clean: false });
    const seen = inbox(member);
    expect(await grantOf(member, general)).toBe(1);
    expect(await grantOf(member, topics.reply('alice:laptop'))).toBe(1);
    const store = await serviceOn(c, c.a, 'chat-store');
    for (let i = 0; i < 30; i++) {
      void store.publishAsync(general, `event ${i}`, { qos: 1 });
      void store.publishAsync(topics.reply('alice:laptop'), `reply ${i}`, { qos: 1 });
    }
    await store.publishAsync(general, 'sentinel', { qos: 1 });
    await expect.poll(() => seen.messages.some((m) => m.payload === 'sentinel')).toBe(true);
    expect(seen.messages.filter((m) => m.topic === general).map((m) => m.payload)).toEqual([...Array.from({ length: 30 }, (_, i) => `event ${i}`), 'sentinel']);
  });

  it('answers a persistent session’s SUBSCRIBE of several topics at once', async () => {
    // aedes stores such a SUBSCRIBE once per topic; on Redis the second store replaced the
    // first one's wait for its broadcast, and the SUBACK never came (the web app subscribes its
    // inbox and presence in one packet).
    const c = await cluster();
    const alice = await createSession(c.db, 'alice');
    const device = await asUser(c.a.url, alice, 'laptop', { clean: false });
    expect(await grantsOf(device, [topics.inbox('alice'), topics.presenceFilter, general])).toEqual([1, 1, 1]);
  });

  it('carries a user’s request on broker B to the service on broker A, and its reply back (gap-fill)', async () => {
    const c = await cluster();
    const query = await serviceOn(c, c.a, 'chat-query');
    const requests = inbox(query);
    expect(await grantOf(query, topics.userRequestFilter('chat.history'))).toBe(1);
    const alice = await createSession(c.db, 'alice');
    const user = await asUser(c.b.url, alice);
    const replies = inbox(user);
    expect(await grantOf(user, topics.reply('alice:laptop'))).toBe(1);

    const request = topics.userRequest('alice:laptop', 'chat.history');
    const asked = requests.next(request);
    await user.publishAsync(request, JSON.stringify({ c: 'general', after: 3 }), { qos: 1 });
    expect((await asked).payload).toBe(JSON.stringify({ c: 'general', after: 3 }));
    const answered = replies.next(topics.reply('alice:laptop'));
    await query.publishAsync(topics.reply('alice:laptop'), 'the page', { qos: 1 });
    expect((await answered).payload).toBe('the page');
  });

  it('keeps a persistent session’s QoS 1 message queued on broker A for its reconnect to broker B', async () => {
    const c = await cluster();
    const bob = await createSession(c.db, 'bob');
    const phone = await asUser(c.a.url, bob, 'phone', { clean: false });
    expect(await grantOf(phone, general)).toBe(1);
    await phone.endAsync();
    await expect.poll(() => c.a.connectedClients()).toBe(0);

    const store = await serviceOn(c, c.a, 'chat-store');
    await store.publishAsync(general, 'while you were away', { qos: 1 });
    await expect.poll(() => c.a.queued('bob:phone').messages).toBe(1);

    const again = await asUser(c.b.url, bob, 'phone', { clean: false, resubscribe: false });
    const seen = inbox(again);
    await expect.poll(() => seen.messages.map((m) => m.payload)).toEqual(['while you were away']);
    // And B has the session's subscription back from Redis: live messages come too.
    await store.publishAsync(general, 'live', { qos: 1 });
    await expect.poll(() => seen.messages.map((m) => m.payload)).toEqual(['while you were away', 'live']);
  });

  it('keeps only the newest TIDINGS_MAX_QUEUED_MESSAGES of a persistent session’s queue in Redis, and the session survives a restart of its broker', async () => {
    const c = await cluster(undefined, { maxQueuedMessages: 3 });
    const bob = await createSession(c.db, 'bob');
    const phone = await asUser(c.a.url, bob, 'phone', { clean: false });
    expect(await grantOf(phone, general)).toBe(1);
    await phone.endAsync();
    await expect.poll(() => c.a.connectedClients()).toBe(0);

    const store = await serviceOn(c, c.b, 'chat-store');
    for (let i = 1; i <= 5; i++) await store.publishAsync(general, String(i), { qos: 1 });
    await expect.poll(() => c.b.queued('bob:phone').messages).toBe(3);

    await c.a.close();
    const restarted = await c.start();
    const again = await asUser(restarted.url, bob, 'phone', { clean: false, resubscribe: false });
    const seen = inbox(again);
    await expect.poll(() => seen.messages.map((m) => m.payload)).toEqual(['3', '4', '5']);
  });

  it('keeps only the newest messages that fit TIDINGS_MAX_QUEUED_BYTES of an offline session’s queue, and drops nothing a connected one has read', async () => {
    const c = await cluster(undefined, { maxQueuedBytes: 2048 });
    const bob = await createSession(c.db, 'bob');
    const phone = await asUser(c.a.url, bob, 'phone', { clean: false });
    expect(await grantOf(phone, general)).toBe(1);
    const store = await serviceOn(c, c.b, 'chat-store');
    // Online: ten messages of 400 bytes pass through the queue and are acknowledged; none is dropped.
    const live = inbox(phone);
    for (let i = 1; i <= 10; i++) await store.publishAsync(general, `${i}`.padEnd(400, '.'), { qos: 1 });
    await expect.poll(() => live.messages.length).toBe(10);
    await phone.endAsync();
    await expect.poll(() => c.a.connectedClients()).toBe(0);

    // Offline: five more (536 bytes each as stored: payload, topic, the broker's id and counter).
    // Past 2 KiB the queue is cut to the newest that fit in three quarters of it, so at most three
    // stay (where the cut falls depends on when the count last met the truth), the newest always.
    for (let i = 11; i <= 15; i++) await store.publishAsync(general, `${i}`.padEnd(400, '.'), { qos: 1 });
    expect(c.b.queued('bob:phone').bytes).toBeLessThanOrEqual(2048);
    const again = await asUser(c.a.url, bob, 'phone', { clean: false, resubscribe: false });
    const seen = inbox(again);
    const got = () => seen.messages.map((m) => m.payload.replace(/\.+$/, ''));
    await expect.poll(() => got().at(-1)).toBe('15');
    // The newest ones, in order, at most three (five would not fit).
    expect(got().length).toBeLessThanOrEqual(3);
    expect(got()).toEqual(['11', '12', '13', '14', '15'].slice(-got().length));
  });

  it('serves retained presence published through broker A from broker B, and from A after A restarts', async () => {
    const c = await cluster();
    const presence = await serviceOn(c, c.a, 'presence');
    const payload = JSON.stringify({ on: true, at: new Date().toISOString() });
    await presence.publishAsync(topics.presence('carol'), payload, { qos: 1, retain: true });
    await presence.endAsync();

    const dave = await createSession(c.db, 'dave');
    const retainedFrom = async (broker: RunningBroker, device: string) => {
      const reader = await asUser(broker.url, dave, device);
      const seen = inbox(reader);
      const got = seen.next(topics.presence('carol'));
      await reader.subscribeAsync(topics.presenceFilter, { qos: 1 });
      const m = await got;
      await reader.endAsync();
      return m.payload;
    };
    expect(await retainedFrom(c.b, 'laptop')).toBe(payload);
    await expect.poll(() => c.b.retainedCount()).toBeGreaterThanOrEqual(1);

    await c.a.close();
    const restarted = await c.start();
    expect(await retainedFrom(restarted, 'phone')).toBe(payload);
  });

  it('answers t/p/+ with the presences still retained, whichever broker stored or cleared them, and t/d/+/+ with the device presences', async () => {
    const c = await cluster();
    const presence = await serviceOn(c, c.a, 'presence');
    const on = JSON.stringify({ on: true, at: new Date().toISOString() });
    await presence.publishAsync(topics.presence('carol'), on, { qos: 1, retain: true });
    await presence.publishAsync(topics.presence('dave'), on, { qos: 1, retain: true });
    const clearer = await serviceOn(c, c.b, 'presence');
    await clearer.publishAsync(topics.presence('dave'), '', { qos: 1, retain: true });

    const alice = await createSession(c.db, 'alice');
    const device = await asUser(c.a.url, alice);
    await device.publishAsync(topics.devicePresence('alice', 'alice:laptop'), '1', { qos: 1, retain: true });

    // A user's t/p/+ (the broker's index of retained topics by parent), on the other broker:
    const reader = await asUser(c.b.url, alice, 'phone');
    const seen = inbox(reader);
    const carol = seen.next(topics.presence('carol'));
    await reader.subscribeAsync(topics.presenceFilter, { qos: 1 });
    await carol;
    // The presence service's t/d/+/+ (the library's scan); its SUBACK comes after the retained messages above.
    const watcher = await serviceOn(c, c.b, 'presence');
    const watched = inbox(watcher);
    const got = watched.next(topics.devicePresence('alice', 'alice:laptop'));
    await watcher.subscribeAsync(topics.devicePresenceFilter, { qos: 1 });
    expect((await got).payload).toBe('1');
    expect(seen.messages.map((m) => m.topic)).toEqual([topics.presence('carol')]);
  });

  it('closes a revoked session’s connection on broker B when auth announces it through broker A', async () => {
    const c = await cluster();
    const erin = await createSession(c.db, 'erin');
    const device = await asUser(c.b.url, erin, 'laptop');
    const gone = closed(device);
    const auth = await serviceOn(c, c.a, 'auth');
    await auth.publishAsync(topics.sessionRevoked, JSON.stringify({ sessionIds: [erin.sessionId], username: 'erin', reason: 'logout' }), { qos: 1 });
    await gone;
    // Both brokers heard it: each refuses the session for a while, whatever its database read said.
    expect(await refusalOf(c.b.url, { clientId: 'erin:laptop', username: 'erin', password: erin.token, clean: true })).toBe(BAD_USERNAME_OR_PASSWORD);
    expect(await refusalOf(c.a.url, { clientId: 'erin:phone', username: 'erin', password: erin.token, clean: true })).toBe(BAD_USERNAME_OR_PASSWORD);
  });

  it('ends a removed member’s subscription to a private room on broker B when chat-store announces it through broker A', async () => {
    const c = await cluster(async (db) => {
      const id = randomUUID();
      await db.prisma.conversation.create({ data: { id, kind: 'room', name: 'secret', private: true } });
      const user = await db.prisma.user.create({ data: { id: randomUUID(), username: 'alice', passwordHash: '!test' } });
      await db.prisma.membership.create({ data: { conversationId: id, userId: user.id, role: 'member' } });
    });
    const alice = await createSession(c.db, 'alice');
    const member = await asUser(c.b.url, alice);
    const seen = inbox(member);
    expect(await grantOf(member, secret)).toBe(1);
    expect(await grantOf(member, general)).toBe(1);
    const store = await serviceOn(c, c.a, 'chat-store');
    const first = seen.next(secret);
    await store.publishAsync(secret, 'for members', { qos: 1 });
    await first;

    await store.publishAsync(topics.roomAccess, JSON.stringify({ r: 'secret', u: 'alice', on: false }), { qos: 1 });
    await expect.poll(() => c.b.privateRooms().memberships).toBe(0);
    await expect.poll(() => clientOn(c.b, 'alice:laptop')?.subscriptions[secret]).toBeUndefined();

    const before = seen.messages.length;
    await store.publishAsync(secret, 'not for alice any more', { qos: 1 });
    const sentinel = seen.next(general);
    await store.publishAsync(general, 'sentinel', { qos: 1 });
    await sentinel;
    expect(seen.messages.slice(before).map((m) => m.payload)).toEqual(['sentinel']);
  });

  it('counts connection attempts per address across the brokers', async () => {
    const t = Date.now(); // one clock: the window is a fixed minute, and this test must not cross one
    const c = await cluster(undefined, { connectionAttemptsPerMinute: 3, exemptLoopback: false }, () => t);
    await asGuest(c.a.url);
    await asGuest(c.b.url);
    await asGuest(c.a.url);
    // The fourth attempt from 127.0.0.1 this minute: B has seen one, the cluster three.
    expect(await refusalOf(c.b.url, { clientId: randomGuestId(), clean: true })).toBe(SERVER_UNAVAILABLE);
    expect(await refusalOf(c.a.url, { clientId: randomGuestId(), clean: true })).toBe(SERVER_UNAVAILABLE);
  });

  it('counts a session’s devices across the brokers', async () => {
    const c = await cluster(undefined, { maxDevicesPerSession: 2 });
    const grace = await createSession(c.db, 'grace');
    const laptop = await asUser(c.a.url, grace, 'laptop');
    await asUser(c.b.url, grace, 'phone');
    // A third device, on either broker: each has seen one device of this session, the cluster two.
    expect(await refusalOf(c.a.url, { clientId: 'grace:tablet', username: 'grace', password: grace.token, clean: true })).toBe(NOT_AUTHORIZED);
    expect(await refusalOf(c.b.url, { clientId: 'grace:tablet', username: 'grace', password: grace.token, clean: true })).toBe(NOT_AUTHORIZED);
    // A known device may move to the other broker.
    await laptop.endAsync();
    await asUser(c.b.url, grace, 'laptop');
  });

  it('keeps its state in Redis under its own prefix', async () => {
    const c = await cluster();
    const presence = await serviceOn(c, c.a, 'presence');
    await presence.publishAsync(topics.presence('frank'), JSON.stringify({ on: false, at: new Date().toISOString() }), { qos: 1, retain: true });
    await expect.poll(async () => (await c.keys()).some((k) => k.endsWith(':broker:retained'))).toBe(true);
  });
});

describe('a broker configured for a cluster', () => {
  it('refuses to start, naming the address but not the password, when Redis cannot be reached', async () => {
    const started = startBroker({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: 0,
      logger: captureLogger().logger,
      serviceCredentials: {},
      auth: false,
      redis: { url: 'redis://:hunter2hunter2@127.0.0.1:1', prefix: 'unreachable' },
    });
    const err = await started.then(
      async (broker) => {
        await broker.close();
        throw new Error('the broker started');
      },
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(/^cannot reach Redis at 127\.0\.0\.1:1 \(TIDINGS_REDIS_URL\)/);
    expect(err.message).not.toContain('hunter2');
  });
});
