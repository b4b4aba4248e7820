import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLimits, FailureLimit, type Limits } from '../src/index.js';

/**
 * The limits in Redis (TEST_REDIS_URL, e.g. redis://127.0.0.1:6379): two Limits are two service
 * instances. Every test uses a random key prefix and deletes its keys after.
 */
const REDIS_URL = process.env.TEST_REDIS_URL || undefined;

interface LogLine {
  level: number;
  msg: string;
  redis?: string;
  err?: unknown;
}

function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines, text: () => JSON.stringify(lines) };
}

/** A TCP proxy to Redis that a test can cut and restore (the machine's Redis itself stays up). */
async function redisProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    async cut() {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
    restore: listen,
  };
}

describe.skipIf(!REDIS_URL)('the limits in Redis', () => {
  const opened: Limits[] = [];
  let prefix = '';
  const limits = (options: { url?: string; logger?: pino.Logger } = {}) => {
    const l = createLimits({ redisUrl: options.url ?? REDIS_URL, prefix, logger: options.logger });
    opened.push(l);
    return l;
  };
  const ready = async (...all: Limits[]) => {
    for (const l of all) await expect.poll(() => l.redisUp, { timeout: 10_000 }).toBe(true);
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const fresh = () => (prefix = `test-${randomBytes(6).toString('hex')}`);

  it('two instances sharing one Redis see one budget: the N+1-th take across both is refused', async () => {
    fresh();
    const a = limits();
    const b = limits();
    await ready(a, b);
    const ca = a.counter({ name: 'send', points: 5, durationMs: 60_000 });
    const cb = b.counter({ name: 'send', points: 5, durationMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(await ca.take('alice')).toEqual({ allowed: true });
    for (let i = 0; i < 2; i++) expect(await cb.take('alice')).toEqual({ allowed: true });
    const refused = await ca.take('alice');
    expect(refused.allowed).toBe(false);
    expect(refused.allowed ? 0 : refused.retryAfterMs).toBeGreaterThan(55_000);
    expect((await cb.take('alice')).allowed).toBe(false);
    expect((await cb.take('bob')).allowed).toBe(true);
    // a refund on one instance is a point for the other
    await ca.refund('alice');
    expect((await cb.take('alice')).allowed).toBe(true);
    // the keys are the prefix's
    const redis = new Redis(REDIS_URL!);
    expect((await redis.keys(`${prefix}:*`)).sort()).toEqual([`${prefix}:send:alice`, `${prefix}:send:bob`]);
    await redis.quit();
  });

  it('logs that the limits are shared, and closes without calling Redis unreachable', async () => {
    fresh();
    const log = capturingLogger();
    const l = limits({ logger: log.logger });
    await ready(l);
    expect(log.lines.map((x) => x.msg)).toEqual(['limits: shared by every instance in Redis']);
    expect(log.lines[0]?.redis).toBe(REDIS_URL!.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@'));
    await l.close();
    await expect.poll(() => l.redisUp).toBe(false);
    expect(log.lines.filter((x) => x.msg.includes('unreachable'))).toEqual([]);
  });

  it('a failure limit counts failures, attempts in flight and locks across instances', async () => {
    fresh();
    const [a, b] = [limits(), limits()];
    await ready(a, b);
    const options = { name: 'pw', maxFailures: 5, windowMs: 900_000, lock: { baseMs: 30_000, maxMs: 900_000 } };
    const [la, lb] = [new FailureLimit(a, options), new FailureLimit(b, options)];
    for (let i = 0; i < 3; i++) {
      expect((await la.begin('login:alice')).allowed).toBe(true);
      expect(await la.end('login:alice', 'failure')).toBe(0);
    }
    // two in flight on b: a third anywhere would overshoot
    expect((await lb.begin('login:alice')).allowed).toBe(true);
    expect((await lb.begin('login:alice')).allowed).toBe(true);
    expect(await la.begin('login:alice')).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(await lb.end('login:alice', 'failure')).toBe(0);
    expect(await lb.end('login:alice', 'failure')).toBe(30_000);
    const locked = await la.begin('login:alice');
    expect(locked.allowed).toBe(false);
    expect(locked.allowed ? 0 : locked.retryAfterMs).toBeGreaterThan(29_000);
  });

  it('starts while Redis is unreachable: says so, without the password, and limits in memory', async () => {
    fresh();
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const log = capturingLogger();
    const l = limits({ url: `redis://default:hunter2-secret@127.0.0.1:${port}`, logger: log.logger });
    const c = l.counter({ name: 'send', points: 2, durationMs: 60_000 });
    expect([(await c.take('alice')).allowed, (await c.take('alice')).allowed, (await c.take('alice')).allowed]).toEqual([true, true, false]);
    await expect.poll(() => log.lines.some((x) => x.level === 40 && x.msg.includes('Redis unreachable')), { timeout: 10_000 }).toBe(true);
    expect(l.redisUp).toBe(false);
    expect(log.text()).not.toContain('hunter2-secret');
    expect(log.lines.find((x) => x.msg.includes('Redis unreachable'))?.redis).toBe(`redis://default:***@127.0.0.1:${port}`);
    // once, not once per reconnect attempt
    await new Promise((resolve) => setTimeout(resolve, 500)); // let a few reconnects fail (a duration under test, not a synchronisation)
    expect(log.lines.filter((x) => x.msg.includes('Redis unreachable'))).toHaveLength(1);
  });

  it('when Redis goes away, limits in memory (never open) and logs it; when it is back, shares again', async () => {
    fresh();
    const proxy = await redisProxy(new URL(REDIS_URL!));
    const log = capturingLogger();
    const l = limits({ url: proxy.url, logger: log.logger });
    await ready(l);
    const c = l.counter({ name: 'send', points: 2, durationMs: 60_000 });
    expect((await c.take('alice')).allowed).toBe(true);
    expect((await c.take('alice')).allowed).toBe(true);
    expect((await c.take('alice')).allowed).toBe(false);

    await proxy.cut();
    await expect.poll(() => l.redisUp, { timeout: 10_000 }).toBe(false);
    await expect.poll(() => log.lines.some((x) => x.level === 40 && x.msg.includes('Redis unreachable')), { timeout: 10_000 }).toBe(true);
    // the memory insurance counts afresh, with the same numbers: never unlimited
    expect([(await c.take('alice')).allowed, (await c.take('alice')).allowed, (await c.take('alice')).allowed]).toEqual([true, true, false]);

    await proxy.restore();
    await expect.poll(() => l.redisUp, { timeout: 10_000 }).toBe(true);
    expect(log.lines.some((x) => x.level === 30 && x.msg.includes('Redis answers again'))).toBe(true);
    // back on Redis's count, which still has alice's two
    expect((await c.take('alice')).allowed).toBe(false);
    await proxy.cut();
  });
});

if (!REDIS_URL) {
  describe('the limits in Redis', () => {
    it.skip('run only when TEST_REDIS_URL is set (e.g. redis://127.0.0.1:6379)', () => {});
  });
}
