/**
 * The attempt limits of the services (auth's sign-in throttle, security-questions' recovery
 * limits, chat-store's send rate), on rate-limiter-flexible: in this process's memory by
 * default (RateLimiterMemory), or in Redis when TIDINGS_REDIS_URL is set (RateLimiterRedis with
 * ioredis), so that every instance of a service counts against one budget.
 *
 * Every counter is a fixed window per key that starts at the key's first point and lasts
 * `durationMs` (rate-limiter-flexible's "enhanced fixed window"); the key is forgotten when its
 * window ends (memory: a timer; Redis: the key's TTL).
 *
 * When Redis cannot be reached (at start or later), each counter falls back to a memory counter
 * of the same numbers in this process (rate-limiter-flexible's insuranceLimiter): the limits still
 * hold, per instance, and the switch and the recovery are logged (warn / info). Never fail open:
 * see docs/decisions.md ("Shared limits in Redis, with memory as insurance").
 */

import { redactUrl } from '@tidings/db';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** What a limiter says to one attempt: go ahead, or not before `retryAfterMs`. */
export type Verdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A key's count and how long its window has left. */
export interface Count {
  count: number;
  msLeft: number;
}

export interface CounterOptions {
  /** Names the counter's keys (`<prefix>:<name>:<key>` in Redis); unique per counter in a process. */
  name: string;
  /** Points a key may take per window ({@link Counter.take} refuses beyond). */
  points: number;
  /** The window, in whole seconds (Redis keeps TTLs in seconds): at least 1000. */
  durationMs: number;
}

/** One counter per key, in memory or in Redis. Every call is one round trip at most (Redis). */
export interface Counter {
  /** Takes one point, or refuses (taking nothing) when the key's window has no point left. */
  take(key: string): Promise<Verdict>;
  /** Gives one point back (never below zero). */
  refund(key: string): Promise<void>;
  /** Adds `n` to the key's count (starting its window when it has none); the new count. */
  add(key: string, n?: number): Promise<Count>;
  /** The key's count now, or null when it has none. */
  get(key: string): Promise<Count | null>;
  /** Sets the key's count for `durationMs` (whole seconds), whatever it was. */
  set(key: string, count: number, durationMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface LimitsOptions {
  /** redis:// or rediss:// URL; unset: every counter lives in this process's memory. */
  redisUrl?: string | undefined;
  /** Prefix of every Redis key (TIDINGS_REDIS_PREFIX); default `tidings`. */
  prefix?: string | undefined;
  logger?: Logger | undefined;
  /** Keys one memory counter holds at most (also the insurance counters): at the cap the oldest
   * tenth is forgotten (those keys start afresh). Default {@link DEFAULT_MAX_KEYS}. */
  maxKeys?: number | undefined;
  /** A Redis command that takes longer fails (and the memory insurance answers). Default 1000 ms. */
  commandTimeoutMs?: number | undefined;
}

/** The counters of one service process, and the Redis connection they share (if any). */
export interface Limits {
  /** `memory`, or `redis` (even while Redis is down and the insurance counters answer). */
  readonly store: 'memory' | 'redis';
  /** Whether Redis answers now (always false for `memory`). */
  readonly redisUp: boolean;
  counter(options: CounterOptions): Counter;
  /** Closes the Redis connection (nothing to do in memory). */
  close(): Promise<void>;
}

export const DEFAULT_MAX_KEYS = 100_000;
export const DEFAULT_REDIS_PREFIX = 'tidings';

/** RateLimiterMemory's store: a Map of records, each with a timer that deletes it at its window's end. */
interface MemoryRecord {
  timeoutId?: NodeJS.Timeout | null;
}
interface MemoryInternals {
  _memoryStorage: { _storage: Map<string, MemoryRecord> };
}

/**
 * RateLimiterMemory forgets a key when its window ends, but holds as many keys as are made
 * within one window (a guest's client id is free: one per connection). This caps them: at
 * `maxKeys`, the oldest tenth is dropped (their timers cleared) — the same bound, and the same
 * forgetting, as the hand-counted limiters had.
 */
function boundMemory(limiter: RateLimiterMemory, maxKeys: number): () => void {
  const storage = (limiter as unknown as MemoryInternals)._memoryStorage._storage;
  return () => {
    if (storage.size <= maxKeys) return;
    const target = Math.floor(maxKeys * 0.9);
    for (const [key, record] of storage) {
      if (storage.size <= target) break;
      if (record.timeoutId) clearTimeout(record.timeoutId);
      storage.delete(key);
    }
  };
}

/** Keys held by a memory counter now (tests, diagnostics). */
export function memoryKeys(counter: Counter): number {
  return (counter as CounterImpl).memoryKeys();
}

function wholeSeconds(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms < 1000 || ms % 1000 !== 0) throw new RangeError(`${what} must be a whole number of seconds (at least 1000 ms), got ${ms}`);
  return ms / 1000;
}

/** A store error (Redis down, and no insurance) is not a verdict: rethrow it as an Error. */
function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

function countOf(res: RateLimiterRes | null): Count | null {
  // The memory store answers a key whose window just ended (its timer not yet run) with
  // msBeforeNext ≤ 0: that key has no count any more.
  if (!res || res.msBeforeNext <= 0) return null;
  return { count: res.consumedPoints, msLeft: res.msBeforeNext };
}

class CounterImpl implements Counter {
  readonly #limiter: RateLimiterAbstract;
  readonly #memory: RateLimiterMemory;
  readonly #bound: () => void;

  constructor(limiter: RateLimiterAbstract, memory: RateLimiterMemory, maxKeys: number) {
    this.#limiter = limiter;
    this.#memory = memory;
    this.#bound = boundMemory(memory, maxKeys);
  }

  async take(key: string): Promise<Verdict> {
    try {
      await this.#limiter.consume(key);
      return { allowed: true };
    } catch (thrown) {
      if (!(thrown instanceof RateLimiterRes)) throw asError(thrown);
      // Refused attempts are not counted: give the point back (the window's end stays where it is).
      await this.#limiter.reward(key).catch(() => {});
      return { allowed: false, retryAfterMs: Math.max(1, thrown.msBeforeNext) };
    } finally {
      this.#bound();
    }
  }

  async refund(key: string): Promise<void> {
    const res = await this.#limiter.reward(key);
    // A key whose window ended meanwhile comes back at -1: no credit carried into a new window.
    if (res.consumedPoints < 0) await this.#limiter.penalty(key, -res.consumedPoints);
    this.#bound();
  }

  async add(key: string, n = 1): Promise<Count> {
    const res = n >= 0 ? await this.#limiter.penalty(key, n) : await this.#limiter.reward(key, -n);
    this.#bound();
    return { count: res.consumedPoints, msLeft: res.msBeforeNext };
  }

  async get(key: string): Promise<Count | null> {
    return countOf(await this.#limiter.get(key));
  }

  async set(key: string, count: number, durationMs: number): Promise<void> {
    await this.#limiter.set(key, count, wholeSeconds(durationMs, 'a counter duration'));
    this.#bound();
  }

  async delete(key: string): Promise<void> {
    await this.#limiter.delete(key);
  }

  memoryKeys(): number {
    return (this.#memory as unknown as MemoryInternals)._memoryStorage._storage.size;
  }
}

/**
 * The limits of one process: memory counters, or Redis counters with memory insurance when
 * `redisUrl` is set. Redis is reached in the background: a process starts whether or not it
 * answers, and counts in memory until it does.
 */
export function createLimits(options: LimitsOptions = {}): Limits {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const logger = options.logger;
  const names = new Set<string>();

  function named(o: CounterOptions): number {
    if (names.has(o.name)) throw new Error(`two counters named ${o.name}`);
    names.add(o.name);
    if (!Number.isInteger(o.points) || o.points < 0) throw new RangeError(`counter ${o.name}: points must be a whole number, got ${o.points}`);
    return wholeSeconds(o.durationMs, `counter ${o.name}: the window`);
  }

  if (!options.redisUrl) {
    return {
      store: 'memory',
      redisUp: false,
      counter(o) {
        const duration = named(o);
        const memory = new RateLimiterMemory({ keyPrefix: o.name, points: o.points, duration });
        return new CounterImpl(memory, memory, maxKeys);
      },
      async close() {},
    };
  }

  const where = redactUrl(options.redisUrl);
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const redis = new Redis(options.redisUrl, {
    // Commands fail at once while the connection is down (the insurance answers), never queue.
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    maxRetriesPerRequest: 0,
    // Reconnect for ever, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  let up = false;
  let downLogged = false;
  let closing = false;
  redis.on('ready', () => {
    up = true;
    if (downLogged) logger?.info({ redis: where }, 'limits: Redis answers again; the limits are shared by every instance again');
    else logger?.info({ redis: where }, 'limits: shared by every instance in Redis');
    downLogged = false;
  });
  const down = (err?: unknown) => {
    up = false;
    if (downLogged || closing) return;
    downLogged = true;
    logger?.warn(
      { redis: where, ...(err === undefined ? {} : { err }) },
      'limits: Redis unreachable; until it answers, each instance limits in its own memory (the same numbers, counted afresh)',
    );
  };
  redis.on('error', (err: unknown) => down(err));
  redis.on('close', () => {
    if (up) down();
  });

  return {
    store: 'redis',
    get redisUp() {
      return up;
    },
    counter(o) {
      const duration = named(o);
      const memory = new RateLimiterMemory({ keyPrefix: o.name, points: o.points, duration });
      const shared = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:${o.name}`,
        points: o.points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
      return new CounterImpl(shared, memory, maxKeys);
    },
    async close() {
      closing = true;
      redis.disconnect();
      await Promise.resolve();
    },
  };
}
