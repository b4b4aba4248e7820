import { createRequire } from 'node:module';
import { parse as nodeParse } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);
const { parse } = require('../src/vendor/node/url.cjs') as { parse: typeof nodeParse };

/** What mqtt.js's connect() reads from url.parse(brokerUrl, true). */
const fields = (u: ReturnType<typeof nodeParse>) => ({
  protocol: u.protocol,
  hostname: u.hostname,
  port: u.port,
  path: u.path,
  auth: u.auth,
  query: { ...(u.query as Record<string, string>) },
});

describe('the url.parse stand-in the browser build of mqtt.js uses', () => {
  it.each([
    'ws://127.0.0.1:8080/mqtt',
    'wss://chat.example.org/mqtt',
    'wss://chat.example.org:8443/tidings/mqtt?clientId=x&y=1',
    'ws://user:pa%20ss@localhost:9001/mqtt',
    'ws://localhost/',
    '/mqtt',
  ])('reads %s as Node does', (href) => {
    expect(fields(parse(href, true))).toEqual(fields(nodeParse(href, true)));
  });
});

describe('the other stand-ins', () => {
  it('keep mqtt.js logging silent and cheap', () => {
    const debug = require('../src/vendor/node/debug.cjs') as (name: string) => ((...a: unknown[]) => void) & { enabled: boolean };
    const log = debug('mqttjs');
    expect(log.enabled).toBe(false);
    expect(log('ignored')).toBeUndefined();
  });

  it('give mqtt.js working interval timers', async () => {
    const timers = require('../src/vendor/node/worker-timers.cjs') as { setInterval(fn: () => void, ms: number): number; clearInterval(id: number): void };
    let ticks = 0;
    const id = timers.setInterval(() => ticks++, 5);
    await vi.waitFor(() => expect(ticks).toBeGreaterThan(1), { timeout: 15_000 });
    timers.clearInterval(id);
    const seen = ticks;
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toBeGreaterThan(0);
    expect(ticks).toBe(seen);
  });
});

describe('the lru-cache stand-in (mqtt.js topic aliases)', () => {
  type Cache = { get(k: number): string | undefined; set(k: number, v: string): unknown; readonly size: number; clear(): void; keys(): Iterable<number> };
  type Ctor = new (options: { max: number }) => Cache;
  const { LRUCache: Ours } = require('../src/vendor/node/lru-cache.cjs') as { LRUCache: Ctor };
  // the real one, from where mqtt.js finds it
  const fromMqtt = createRequire(require.resolve('mqtt'));
  const { LRUCache: Real } = fromMqtt('lru-cache') as { LRUCache: Ctor };

  it('evicts, refreshes and lists keys as lru-cache does', () => {
    const ours = new Ours({ max: 3 });
    const real = new Real({ max: 3 });
    const state = (c: Cache) => ({ size: c.size, keys: [...c.keys()] });
    const steps: ((c: Cache) => unknown)[] = [
      (c) => c.set(1, 'a'),
      (c) => c.set(2, 'b'),
      (c) => c.set(3, 'c'),
      (c) => c.get(1),
      (c) => c.set(4, 'd'), // evicts 2, the least recently used
      (c) => c.get(2),
      (c) => c.set(3, 'c2'),
      (c) => c.get(9),
      (c) => c.set(5, 'e'),
    ];
    for (const step of steps) {
      const value = (r: unknown) => (r instanceof Ours || r instanceof Real ? 'the cache' : r);
      expect(value(step(ours))).toEqual(value(step(real)));
      expect(state(ours)).toEqual(state(real));
    }
    // what topic-alias-send.js reads: the least recently used key is the last one
    expect([...ours.keys()].at(-1)).toBe([...real.keys()].at(-1));
    ours.clear();
    real.clear();
    expect(state(ours)).toEqual(state(real));
  });
});
