import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLimits, FailureLimit, memoryKeys, type Limits } from '../src/index.js';

/**
 * The memory counters of rate-limiter-flexible read Date.now(): these tests move a fake Date
 * (timers stay real) to walk through windows and locks.
 */
function fakeDate() {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(1_700_000_000_000);
  return { advance: (ms: number) => vi.setSystemTime(Date.now() + ms) };
}

describe('a memory counter', () => {
  let clock: ReturnType<typeof fakeDate>;
  beforeEach(() => {
    clock = fakeDate();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows the points within the window and tells when the window ends', async () => {
    const c = createLimits().counter({ name: 't', points: 3, durationMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(await c.take('g:abc')).toEqual({ allowed: true });
      clock.advance(1000);
    }
    expect(await c.take('g:abc')).toEqual({ allowed: false, retryAfterMs: 57_000 });
    expect((await c.take('g:other')).allowed).toBe(true);
    clock.advance(57_000);
    expect((await c.take('g:abc')).allowed).toBe(true);
    expect(await c.get('g:abc')).toEqual({ count: 1, msLeft: 60_000 });
  });

  it('does not count refused attempts, and does not move the end of the window for them', async () => {
    const c = createLimits().counter({ name: 't', points: 1, durationMs: 60_000 });
    await c.take('x');
    for (let i = 0; i < 10; i++) {
      clock.advance(5000);
      expect((await c.take('x')).allowed).toBe(false);
    }
    expect((await c.get('x'))?.count).toBe(1);
    clock.advance(10_000);
    expect((await c.take('x')).allowed).toBe(true);
  });

  it('gives a refunded point back, never below zero', async () => {
    const c = createLimits().counter({ name: 't', points: 2, durationMs: 2000 });
    await c.take('alice');
    await c.take('alice');
    expect((await c.take('alice')).allowed).toBe(false);
    await c.refund('alice');
    expect((await c.take('alice')).allowed).toBe(true);
    await c.refund('bob');
    await c.refund('bob');
    expect((await c.get('bob'))?.count).toBe(0);
    expect([(await c.take('bob')).allowed, (await c.take('bob')).allowed, (await c.take('bob')).allowed]).toEqual([true, true, false]);
  });

  it('keeps at most maxKeys keys, dropping the oldest tenth at the cap', async () => {
    const c = createLimits({ maxKeys: 50 }).counter({ name: 't', points: 5, durationMs: 60_000 });
    for (let i = 0; i < 500; i++) await c.take(`g:${i}`);
    expect(memoryKeys(c)).toBeLessThanOrEqual(50);
    expect(memoryKeys(c)).toBeGreaterThanOrEqual(45);
    // the newest are kept
    expect((await c.get('g:499'))?.count).toBe(1);
  });

  it('refuses windows that Redis could not keep (not whole seconds) and two counters of one name', () => {
    const limits = createLimits();
    expect(() => limits.counter({ name: 'a', points: 1, durationMs: 1500 })).toThrow(/whole number of seconds/);
    expect(() => limits.counter({ name: 'b', points: 1, durationMs: 500 })).toThrow(/whole number of seconds/);
    limits.counter({ name: 'c', points: 1, durationMs: 1000 });
    expect(() => limits.counter({ name: 'c', points: 1, durationMs: 1000 })).toThrow(/two counters/);
  });
});

const settings = { maxFailures: 5, windowMs: 15 * 60_000, lock: { baseMs: 30_000, maxMs: 15 * 60_000 } };

async function fail(limit: FailureLimit, key: string): Promise<number> {
  const verdict = await limit.begin(key);
  if (!verdict.allowed) throw new Error(`refused for ${verdict.retryAfterMs} ms`);
  return limit.end(key, 'failure');
}

describe('a failure limit with locks (auth: wrong passwords per username)', () => {
  let clock: ReturnType<typeof fakeDate>;
  let limits: Limits;
  beforeEach(() => {
    clock = fakeDate();
    limits = createLimits();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const make = () => new FailureLimit(limits, { name: 'pw', ...settings });

  it('allows four failures and locks the key at the fifth', async () => {
    const t = make();
    for (let i = 0; i < 4; i++) expect(await fail(t, 'login:alice')).toBe(0);
    expect(await fail(t, 'login:alice')).toBe(30_000);
    expect(await t.begin('login:alice')).toEqual({ allowed: false, retryAfterMs: 30_000 });
    clock.advance(10_000);
    expect(await t.begin('login:alice')).toEqual({ allowed: false, retryAfterMs: 20_000 });
  });

  it('keeps keys apart', async () => {
    const t = make();
    for (let i = 0; i < 5; i++) await fail(t, 'login:alice');
    expect((await t.begin('login:bob')).allowed).toBe(true);
    expect((await t.begin('passwd:alice')).allowed).toBe(true);
  });

  it('doubles the lock for each failure after a lock, up to the cap', async () => {
    const t = make();
    for (let i = 0; i < 4; i++) await fail(t, 'k');
    const locks = [await fail(t, 'k')];
    for (let i = 0; i < 8; i++) {
      clock.advance(await t.lockedFor('k'));
      locks.push(await fail(t, 'k'));
    }
    expect(locks).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000, 900_000]);
  });

  it('forgets failures once their window ends', async () => {
    const t = make();
    for (let i = 0; i < 4; i++) await fail(t, 'k');
    clock.advance(settings.windowMs);
    for (let i = 0; i < 4; i++) expect(await fail(t, 'k')).toBe(0);
    expect((await t.begin('k')).allowed).toBe(true);
  });

  it('resets the escalation after a quiet window', async () => {
    const t = make();
    for (let i = 0; i < 5; i++) await fail(t, 'k');
    clock.advance(30_000);
    expect(await fail(t, 'k')).toBe(60_000);
    clock.advance(60_000 + settings.windowMs);
    for (let i = 0; i < 4; i++) expect(await fail(t, 'k')).toBe(0);
    expect(await fail(t, 'k')).toBe(30_000);
  });

  it('clears the key on a success', async () => {
    const t = make();
    for (let i = 0; i < 4; i++) await fail(t, 'k');
    expect((await t.begin('k')).allowed).toBe(true);
    await t.end('k', 'success');
    expect(await t.failuresOf('k')).toBe(0);
    for (let i = 0; i < 4; i++) expect(await fail(t, 'k')).toBe(0);
  });

  it('refuses parallel attempts that could overshoot the limit', async () => {
    const t = make();
    for (let i = 0; i < 3; i++) await fail(t, 'k');
    expect((await t.begin('k')).allowed).toBe(true);
    expect((await t.begin('k')).allowed).toBe(true);
    expect(await t.begin('k')).toEqual({ allowed: false, retryAfterMs: 1000 });
    await t.end('k', 'failure');
    expect(await t.end('k', 'failure')).toBe(30_000);
  });

  it('frees the slot of an abandoned attempt without counting it', async () => {
    const t = make();
    for (let i = 0; i < 10; i++) {
      expect((await t.begin('k')).allowed).toBe(true);
      await t.end('k', 'abandoned');
    }
    expect(await t.failuresOf('k')).toBe(0);
  });
});

describe('a failure limit without locks (security-questions: wrong answers per username)', () => {
  let clock: ReturnType<typeof fakeDate>;
  beforeEach(() => {
    clock = fakeDate();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows five failures in the window, then refuses until the window ends', async () => {
    const limit = new FailureLimit(createLimits(), { name: 'r', maxFailures: 5, windowMs: 3600_000 });
    for (let i = 0; i < 5; i++) {
      expect(await limit.begin('k')).toEqual({ allowed: true });
      await limit.end('k', 'failure');
      clock.advance(60_000);
    }
    expect(await limit.begin('k')).toEqual({ allowed: false, retryAfterMs: 3600_000 - 5 * 60_000 });
    clock.advance(3600_000 - 5 * 60_000);
    expect(await limit.begin('k')).toEqual({ allowed: true });
    await limit.end('k', 'failure');
    expect(await limit.failuresOf('k')).toBe(1);
  });

  it('counts attempts in flight, so parallel guesses cannot overshoot', async () => {
    const limit = new FailureLimit(createLimits(), { name: 'r', maxFailures: 3, windowMs: 1000 });
    const verdicts = await Promise.all([1, 2, 3, 4, 5].map(() => limit.begin('k')));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
    expect(verdicts.filter((v) => !v.allowed)).toEqual([
      { allowed: false, retryAfterMs: 1000 },
      { allowed: false, retryAfterMs: 1000 },
    ]);
  });
});
