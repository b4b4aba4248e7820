import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AedesPersistence } from 'aedes-persistence';
import type { Packet, PersistenceControl, PersistenceOptions, TidingsPersistence } from './retained.js';

/**
 * A broker cluster on Redis: brokers that share one Redis route messages to each other through
 * mqemitter-redis (Redis PUBLISH/PSUBSCRIBE) and keep persistent sessions, their queued QoS 1
 * messages, retained messages and last wills in aedes-persistence-redis, so a client may connect
 * to any of them. Both are the moscajs libraries made for aedes; see docs/running-at-scale.md
 * ("Broker cluster") for what is shared and what each broker still keeps alone.
 */
export interface RedisOptions {
  /** redis://[user:password@]host[:port][/db] or rediss:// (TLS). */
  url: string;
  /**
   * Names this deployment in Redis: keys are `<prefix>:broker:…` (other processes keep their
   * limits under `<prefix>:<name>:…`), Pub/Sub channels `<prefix>/<topic>`, so deployments (and
   * tests) sharing a Redis do not see each other.
   */
  prefix: string;
}

const require = createRequire(import.meta.url);
const persistenceRedis = require('aedes-persistence-redis') as (options: object) => AedesPersistence;
/** What startBroker needs of an mqemitter (aedes takes any as its `mq`). */
interface Emitter {
  close(cb: () => void): void;
  /** mqemitter-redis reports its connections' errors here (an 'error' without a listener would throw). */
  state: { on(event: 'error', listener: (err: Error) => void): unknown };
}
const { MQEmitterRedisPrefix } = require('mqemitter-redis') as { MQEmitterRedisPrefix: new (prefix: string, options: object) => Emitter };
interface Multi {
  sadd(key: string, member: string): Multi;
  scard(key: string): Multi;
  pexpireat(key: string, at: number): Multi;
  incr(key: string): Multi;
  expire(key: string, seconds: number): Multi;
  exec(): Promise<[Error | null, unknown][] | null>;
}
/** ioredis as the two libraries themselves load it (no second copy, no version of our own). */
type RedisClient = {
  multi(): Multi;
  quit(): Promise<unknown>;
  connect(): Promise<void>;
  ping(): Promise<string>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  llen(key: string): Promise<number>;
  ltrim(key: string, start: number, stop: number): Promise<unknown>;
  hlen(key: string): Promise<number>;
  hkeys(key: string): Promise<string[]>;
  hgetBuffer(key: string, field: string): Promise<Buffer | null>;
  hmgetBuffer(key: string, ...fields: string[]): Promise<(Buffer | null)[]>;
  sadd(key: string, ...members: string[]): Promise<number>;
  srem(key: string, ...members: string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  del(...keys: string[]): Promise<number>;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  disconnect(): void;
};
const requireFromLibrary = createRequire(require.resolve('aedes-persistence-redis'));
const Redis = requireFromLibrary('ioredis') as new (options: object) => RedisClient;
/** The library stores retained messages msgpack-encoded in one hash, `retained`, field = topic. */
const msgpack = requireFromLibrary('msgpack-lite') as { decode(buffer: Buffer): Packet };

/** `a/b/+`: exact levels, then one `+` last — the filters the retained index answers. */
const parentOf = (filter: string): string | undefined => {
  if (!filter.endsWith('/+')) return undefined;
  const parent = filter.slice(0, -2);
  return /[+#]/.test(parent) ? undefined : parent;
};
const isExact = (filter: string) => !/[+#]/.test(filter);
/** The index set of the retained topics one level under `parent`. */
const underKey = (parent: string) => `retained-under:${parent}`;

/**
 * A queued message (in aedes-persistence-redis, an entry of `outgoing:<client id>`) whose reference
 * the bound drops stays in Redis this long at most: the library counts references to a message
 * body and deletes it at zero, and a dropped reference is never counted down (see {@link
 * redisPersistence}), so bodies carry this expiry instead.
 */
export const QUEUED_MESSAGE_TTL_SECONDS = 7 * 24 * 3600;

/** ioredis connection options from a redis:// or rediss:// URL. */
export function redisConnectionOptions(url: string): Record<string, unknown> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('the Redis URL is not a URL (redis://host:port or rediss://host:port)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`the Redis URL must start with redis:// or rediss:// (got ${u.protocol}//)`);
  const options: Record<string, unknown> = {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
  };
  if (!Number.isInteger(options.db)) throw new Error('the Redis URL’s path must be a database number (redis://host:port/0)');
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') options.tls = {};
  return options;
}

/** Where the Redis URL points, for messages (never its password). */
export function redisAddress(url: string): string {
  const o = redisConnectionOptions(url);
  return `${String(o.host)}:${String(o.port)}`;
}

/**
 * Fails fast when Redis cannot be reached: ioredis would retry for ever, and aedes would wait
 * for it before listening, printing nothing useful.
 */
export async function checkRedis(redis: RedisOptions, timeoutMs = 5000): Promise<void> {
  const db = new Redis({
    ...redisConnectionOptions(redis.url),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  db.on('error', () => {});
  try {
    await db.connect();
    await db.ping();
  } catch (err) {
    throw new Error(`cannot reach Redis at ${redisAddress(redis.url)} (TIDINGS_REDIS_URL): ${(err as Error).message}`, { cause: err });
  } finally {
    db.disconnect();
  }
}

/** The mqemitter of a cluster: Redis Pub/Sub on channels `<prefix>/<topic>`. */
export function redisEmitter(redis: RedisOptions, onError: (err: Error) => void): Emitter {
  const mq = new MQEmitterRedisPrefix(`${redis.prefix}/`, redisConnectionOptions(redis.url));
  mq.state.on('error', onError);
  return mq;
}

/** The Redis key of a client's queue in aedes-persistence-redis 12 (asyncPersistence.js `outgoingKey`). */
const queueKey = (clientId: string) => `outgoing:${encodeURIComponent(clientId)}`;
/** Our estimate of the bytes in that queue (see {@link BOUND_QUEUE}). */
const queueBytesKey = (clientId: string) => `queued-bytes:${encodeURIComponent(clientId)}`;

/**
 * Bounds one client's queue after an enqueue, in Redis, atomically (other brokers enqueue for the
 * same client): first to the newest ARGV[1] messages, then to the newest messages whose stored
 * bodies (`packet:<broker>:<counter>`, msgpack: payload, topic, a few header bytes) fit in
 * ARGV[2] bytes — the newest one is always kept. The bytes are counted lazily: KEYS[2] grows by
 * the size of each enqueued message (ARGV[4]) and is never lowered when the client acknowledges
 * one (the library removes it, out of our sight), so it is at least the real total; only when it
 * passes the bound is the queue walked, newest first, with STRLEN, cut to three quarters of the
 * bound and the count set to the real total. So a walk comes at most once per quarter of the
 * bound of new messages (about 128 chat messages at 256 KiB), also for a queue that stays full —
 * and in a cluster every persistent session connected to another broker has one: each broker
 * queues for the sessions it does not hold, and only a reconnect drains that queue. (Walking at
 * every message there, at up to 1000 STRLENs, slowed Redis enough that routing fell behind.) ARGV[3] is the key prefix (list entries are key names
 * without it), ARGV[5] the count's expiry. Returns {messages, bytes, dropped}.
 */
const BOUND_QUEUE = `
local maxMessages = tonumber(ARGV[1])
local maxBytes = tonumber(ARGV[2])
local length = redis.call('LLEN', KEYS[1])
local dropped = 0
if length > maxMessages then
  redis.call('LTRIM', KEYS[1], -maxMessages, -1)
  dropped = length - maxMessages
  length = maxMessages
end
local estimate = redis.call('INCRBY', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
if estimate <= maxBytes then return {length, estimate, dropped} end
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
local target = math.floor(maxBytes * 3 / 4)
local total = 0
local keep = 0
for i = #entries, 1, -1 do
  local size = redis.call('STRLEN', ARGV[3] .. entries[i])
  if keep >= 1 and total + size > target then break end
  total = total + size
  keep = keep + 1
end
if keep < #entries then
  redis.call('LTRIM', KEYS[1], -keep, -1)
  dropped = dropped + #entries - keep
end
redis.call('SET', KEYS[2], total, 'EX', ARGV[5])
return {keep, total, dropped}
`;

/**
 * aedes-persistence-redis with the bounds of {@link indexedMemoryPersistence} where Redis can
 * keep them:
 *
 * - A client's queue (`outgoing:<client id>`, a list of references to message bodies) is cut to
 *   its newest `queue.maxMessages` after every enqueue (LLEN, then LTRIM). The library itself
 *   has no bound: it only delivers the first 1000 (`maxSessionDelivery`) on CONNECT.
 * - The bodies are shared by every queue holding them and deleted when the library's reference
 *   count reaches zero (on PUBACK). A reference cut by the bound is not counted down — counting
 *   it down here would count it twice when the client acknowledges a message already in flight
 *   — so every body expires after {@link QUEUED_MESSAGE_TTL_SECONDS} (the library's `packetTTL`).
 * - …and then to its newest messages whose stored bodies fit in `queue.maxBytes` (the newest
 *   always stays), by {@link BOUND_QUEUE}, a Lua script that counts bytes lazily: the library
 *   keeps no size per queue and removes acknowledged messages out of our sight.
 * - keepSubscription, forgetClient and forgetSubscription work as in memory.
 * - Retained messages for exact topics and `a/b/+` filters come from an index of retained topics
 *   by parent (`retained-under:<parent>` sets), not from the library's scan of every retained
 *   message (measured: 278 ms for a `t/p/+` beside 10,000 device presences, 1.4 ms indexed).
 *
 * `queued()` answers from what this broker saw when it last enqueued for the client (messages;
 * bytes as counted by the script, which may still include acknowledged ones); `retainedCount()` from the last HLEN, read at start,
 * after each retained store of this broker and after each call (the next call sees it).
 */
export function redisPersistence(redis: RedisOptions, options: PersistenceOptions = {}, onError: (err: unknown) => void = () => {}): TidingsPersistence {
  const keyPrefix = `${redis.prefix}:broker:`;
  const connection = { ...redisConnectionOptions(redis.url), keyPrefix };
  const maxMessages = options.queue?.maxMessages ?? 1000;
  const maxBytes = options.queue?.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const db = new Redis(connection);
  db.on('error', onError); // while Redis is away ioredis reconnects, and reports each failure here
  // EVALSHA after the first call: the script is not sent with every enqueue.
  db.defineCommand('boundQueue', { numberOfKeys: 2, lua: BOUND_QUEUE });
  const boundQueue = (db as unknown as { boundQueue(...args: (string | number)[]): Promise<[number, number, number]> }).boundQueue.bind(db);
  const persistence = persistenceRedis({
    conn: db,
    maxSessionDelivery: maxMessages,
    packetTTL: () => QUEUED_MESSAGE_TTL_SECONDS,
  });
  const p = persistence as unknown as Record<string, unknown>;
  type Sub = { clientId: string };
  type Enqueue = (subs: Sub[], packet: Packet) => Promise<void>;
  const enqueueCombi = (p.outgoingEnqueueCombi as Enqueue).bind(persistence);
  /** Last queue length and bytes seen per client id (for queued()); the ones at the bound, for logging once. */
  const lengths = new Map<string, { messages: number; bytes: number }>();
  const full = new Set<string>();
  const bound = async (clientId: string, size: number) => {
    const [messages, bytes, dropped] = await boundQueue(
      queueKey(clientId),
      queueBytesKey(clientId),
      maxMessages,
      maxBytes,
      keyPrefix,
      size,
      QUEUED_MESSAGE_TTL_SECONDS,
    );
    if (dropped > 0) {
      if (!full.has(clientId)) {
        full.add(clientId);
        options.onQueueFull?.(clientId, options.queue ?? { maxMessages, maxBytes });
      }
    } else if (messages < maxMessages && bytes < maxBytes / 2) full.delete(clientId);
    if (lengths.size >= 100_000 && !lengths.has(clientId)) lengths.clear();
    lengths.set(clientId, { messages, bytes });
  };
  p.outgoingEnqueueCombi = async (subs: Sub[], packet: Packet) => {
    await enqueueCombi(subs, packet);
    // What the library stores (msgpack of the packet) is about the payload, the topic and 30 bytes.
    const size = packet.payload.length + Buffer.byteLength(packet.topic) + 30;
    for (const sub of subs) await bound(sub.clientId, size);
  };
  p.outgoingEnqueue = (sub: Sub, packet: Packet) => (p.outgoingEnqueueCombi as Enqueue)([sub], packet);

  // aedes 1.2 stores a SUBSCRIBE's subscriptions once per topic in it, each time with all of them
  // (handlers/subscribe.js storeSubscriptions), and the library's broadcast waits for its echo
  // under one key per client and first topic: the second call replaced the first one's waiter,
  // which then waited for ever — a SUBSCRIBE of two topics or more never got its SUBACK. Calls
  // made while the same one is in flight share it.
  const keep = options.keepSubscription;
  type Add = (client: { id: string }, subs: { topic: string; qos?: number }[]) => Promise<void>;
  const addSubscriptions = (p.addSubscriptions as Add).bind(persistence);
  const adding = new Map<string, Promise<void>>();
  p.addSubscriptions = (client: { id: string }, subs: { topic: string; qos?: number }[]) => {
    const kept = keep ? subs.filter((sub) => keep(client, sub.topic)) : subs;
    if (kept.length === 0) return Promise.resolve();
    const key = `${client.id}\n${kept.map((sub) => `${sub.topic}\t${sub.qos ?? 0}`).join('\n')}`;
    let call = adding.get(key);
    if (!call) {
      call = addSubscriptions(client, kept).finally(() => adding.delete(key));
      adding.set(key, call);
    }
    return call;
  };

  let retained = 0;
  type Store = (packet: unknown) => Promise<void>;
  const storeRetained = (p.storeRetained as Store).bind(persistence);
  const countRetained = () =>
    db.hlen('retained').then(
      (n) => void (retained = n),
      () => {},
    );
  p.storeRetained = async (packet: Packet) => {
    await storeRetained(packet);
    const parent = packet.topic.slice(0, Math.max(0, packet.topic.lastIndexOf('/')));
    if (packet.payload.length === 0) await db.srem(underKey(parent), packet.topic);
    else await db.sadd(underKey(parent), packet.topic);
    void countRetained();
  };

  // Retained messages for a SUBSCRIBE. The library answers a wildcard filter with an HSCAN of
  // every retained message; `a/b/+` filters (t/p/+, t/d/<user>/+) are answered here from the
  // set of topics under `a/b`, and exact topics with one HGET. Other filters go to the library.
  // Errors (Redis gone, as at shutdown) end the stream: aedes pipes it without an error handler.
  type Stream = (patterns: string[]) => AsyncIterable<Packet>;
  const libraryRetained = (p.createRetainedStreamCombi as Stream).bind(persistence);
  async function* indexed(patterns: string[]): AsyncGenerator<Packet> {
    const topics = new Set<string>();
    const fromIndex = new Set<string>();
    for (const pattern of patterns) {
      const parent = parentOf(pattern);
      if (parent === undefined) topics.add(pattern);
      else
        for (const topic of await db.smembers(underKey(parent))) {
          if (topic.endsWith('/')) continue; // `+` matches a non-empty level, as in the memory index
          topics.add(topic);
          fromIndex.add(topic);
        }
    }
    const wanted = [...topics];
    for (let i = 0; i < wanted.length; i += 500) {
      const batch = wanted.slice(i, i + 500);
      const values = await db.hmgetBuffer('retained', ...batch);
      for (const [j, value] of values.entries()) {
        if (value) yield msgpack.decode(value);
        else {
          const topic = batch[j]!;
          // In the index but no longer stored (deleted by a broker that was stopped between the two writes).
          if (fromIndex.has(topic)) await db.srem(underKey(topic.slice(0, topic.lastIndexOf('/'))), topic);
        }
      }
    }
  }
  async function* retainedFor(patterns: string[]): AsyncGenerator<Packet> {
    try {
      if (patterns.every((f) => isExact(f) || parentOf(f) !== undefined)) yield* indexed(patterns);
      else for await (const packet of libraryRetained(patterns)) yield packet;
    } catch (err) {
      onError(err);
    }
  }
  p.createRetainedStreamCombi = (patterns: string[]) => Readable.from(retainedFor(patterns));
  p.createRetainedStream = (pattern: string) => Readable.from(retainedFor([pattern]));
  type Setup = (broker: unknown) => Promise<void>;
  const setup = (p.setup as Setup).bind(persistence);
  // aedes checks that setup is an async function (not merely one returning a promise).
  p.setup = async (broker: unknown) => {
    await setup(broker);
    // The index of retained topics by parent (above): complete it with whatever is stored.
    const stored = await db.hkeys('retained');
    const byParent = new Map<string, string[]>();
    for (const topic of stored) {
      const parent = topic.slice(0, Math.max(0, topic.lastIndexOf('/')));
      byParent.set(parent, [...(byParent.get(parent) ?? []), topic]);
    }
    for (const [parent, topics] of byParent) await db.sadd(underKey(parent), ...topics);
    await countRetained();
  };

  type ById = (client: { id: string }) => Promise<unknown>;
  const call = (name: string, client: { id: string }) => (p[name] as ById).call(persistence, client);
  const tidings: PersistenceControl = {
    queued: (clientId) => lengths.get(clientId) ?? { messages: 0, bytes: 0 },
    retainedCount: () => {
      void countRetained(); // for the next read: another broker may have stored one meanwhile
      return retained;
    },
    async forgetClient(clientId) {
      lengths.delete(clientId);
      full.delete(clientId);
      await call('cleanSubscriptions', { id: clientId });
      await db.del(queueKey(clientId), queueBytesKey(clientId));
      await call('delWill', { id: clientId });
      await call('cleanIncoming', { id: clientId });
    },
    async forgetSubscription(clientId, filter) {
      type Remove = (client: { id: string }, filters: string[]) => Promise<unknown>;
      await (p.removeSubscriptions as Remove).call(persistence, { id: clientId }, [filter]);
    },
  };
  return Object.assign(persistence, { tidings });
}

/**
 * Connection attempts per remote address, counted in Redis so that every broker of the cluster
 * counts the same attempts (limits.connectionAttemptsPerMinute is then per address across the
 * cluster, not per broker). A fixed window of one minute per key (`<prefix>:broker:attempts:
 * <minute>:<address>`, INCR + EXPIRE), where the in-memory count slides: at a window's edge an
 * address may make up to twice the cap within a minute. Keys expire after two minutes.
 */
export function sharedAttempts(redis: RedisOptions, now: () => number) {
  const db = new Redis({ ...redisConnectionOptions(redis.url), keyPrefix: `${redis.prefix}:broker:`, maxRetriesPerRequest: 1 });
  db.on('error', () => {}); // the persistence's connection reports the same outage; a failed count falls back to memory
  return {
    /** This attempt's number within the current minute, across the cluster. */
    async count(address: string): Promise<number> {
      const key = `attempts:${Math.floor(now() / 60_000)}:${address}`;
      const replies = await db.multi().incr(key).expire(key, 120).exec();
      const [err, n] = replies?.[0] ?? [new Error('no reply from Redis'), undefined];
      if (err) throw err;
      return Number(n);
    },
    async close(): Promise<void> {
      await db.quit().catch(() => {});
    },
  };
}

/**
 * The device ids (client ids) each session has connected as, in Redis, so that
 * limits.maxDevicesPerSession counts the devices of a session on every broker together (each
 * broker also keeps its own set, for what it clears at revocation). One set per session,
 * `<prefix>:broker:devices:<session id>`, expiring with the session, deleted at revocation.
 */
export function sharedDevices(redis: RedisOptions) {
  const db = new Redis({ ...redisConnectionOptions(redis.url), keyPrefix: `${redis.prefix}:broker:`, maxRetriesPerRequest: 1 });
  db.on('error', () => {}); // the persistence's connection reports the same outage; a failed check falls back to this broker's count
  const key = (sessionId: string) => `devices:${sessionId}`;
  return {
    /** Adds the device to the session's set; false (and not added) when it is new and the set holds `max` already. */
    async admit(sessionId: string, clientId: string, expiresAt: number, max: number): Promise<boolean> {
      const replies = await db.multi().sadd(key(sessionId), clientId).scard(key(sessionId)).pexpireat(key(sessionId), expiresAt).exec();
      const failed = replies?.find(([err]) => err);
      if (!replies || failed) throw failed?.[0] ?? new Error('no reply from Redis');
      const [added, size] = [Number(replies[0]![1]), Number(replies[1]![1])];
      if (added === 1 && size > max) {
        await db.srem(key(sessionId), clientId);
        return false;
      }
      return true;
    },
    async forget(sessionIds: readonly string[]): Promise<void> {
      if (sessionIds.length > 0) await db.del(...sessionIds.map(key));
    },
    async close(): Promise<void> {
      await db.quit().catch(() => {});
    },
  };
}

/** What {@link routeInCounterOrder} needs of aedes and of its mqemitter. */
interface CountingBroker {
  id: string;
  counter: number;
  publish(packet: { brokerCounter?: number }, client?: unknown, done?: (err?: Error | null) => void): void;
}
interface RoutingEmitter {
  emit(packet: { brokerId?: string; brokerCounter?: number }, cb?: (err?: unknown) => void): void;
}

/**
 * Routes this broker's packets in the order aedes numbered them. aedes stamps a published packet
 * with the broker's next counter before the steps that precede routing (store if retained, queue
 * for persistent sessions if QoS 1), and every client drops a packet whose counter is not above
 * the last one it got from that broker (aedes' client.js `dedupe`, its guard against a packet
 * matching two subscriptions). In memory those steps take the same few ticks for every packet;
 * on Redis they take one to several round trips (a QoS 0 packet none), so a later packet was
 * routed first and the earlier one then silently dropped for every client subscribed to both
 * topics — measured in packages/e2e/test/cluster.test.ts: members on either broker missed about
 * two thirds of a room's live events, each of them just before the member's own reply. Here a
 * packet of this broker is held until every packet numbered before it was routed or its publish
 * failed (packets of other brokers, and packets numbered elsewhere, pass at once). While Redis
 * is away a held QoS 1 packet holds the later ones too: they would wait for Redis anyway.
 */
export function routeInCounterOrder(
  broker: CountingBroker,
  mq: RoutingEmitter,
  options: { maxHoldMs?: number; onPassedOver?: (topic: string) => void } = {},
): void {
  const maxHoldMs = options.maxHoldMs ?? 1000;
  /** Counters stamped and not yet routed, ascending; a held packet's routing, or 'failed'. */
  const order: number[] = [];
  const state = new Map<number, 'pending' | 'failed' | (() => void)>();
  const topicOf = new Map<number, string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    while (order.length > 0 && state.get(order[0]!) !== 'pending') {
      const next = state.get(order[0]!);
      topicOf.delete(order[0]!);
      state.delete(order.shift()!);
      if (typeof next === 'function') next();
    }
    watch();
  };
  // A packet still unrouted after maxHoldMs stops holding the others (they go; it goes when it
  // comes, and clients that got a later one drop it, as without this order): a publish that
  // never ends — aedes gives up a packet whose offline queueing failed without calling back —
  // must not stop the broker's routing.
  const watch = () => {
    if (timer || order.length === 0) return;
    const head = order[0]!;
    timer = setTimeout(() => {
      timer = undefined;
      if (order[0] === head && state.get(head) === 'pending') {
        options.onPassedOver?.(topicOf.get(head) ?? '');
        state.set(head, 'failed');
        flush();
      } else watch();
    }, maxHoldMs);
    timer.unref?.();
  };
  const emit = mq.emit.bind(mq);
  mq.emit = (packet, cb) => {
    const counter = packet.brokerId === broker.id ? packet.brokerCounter : undefined;
    if (counter === undefined || state.get(counter) !== 'pending') return emit(packet, cb);
    state.set(counter, () => emit(packet, cb));
    flush();
  };
  const publish = broker.publish.bind(broker);
  broker.publish = (packet, client, done) => {
    if (typeof client === 'function') {
      done = client as (err?: Error | null) => void;
      client = null;
    }
    // aedes-packet: `original.brokerCounter || ++broker.counter`, synchronously in publish().
    const counter = packet.brokerCounter ? undefined : broker.counter + 1;
    if (counter !== undefined) {
      state.set(counter, 'pending');
      topicOf.set(counter, (packet as { topic?: string }).topic ?? '');
      order.push(counter);
      watch();
    }
    const settle = () => {
      // Not routed (refused before routing, or a step failed): let the later ones go.
      if (counter !== undefined && state.get(counter) === 'pending') {
        state.set(counter, 'failed');
        flush();
      }
    };
    publish(packet, client, (err) => {
      settle();
      done?.(err);
    });
    if (counter !== undefined && broker.counter < counter) settle(); // refused before numbering
  };
}
