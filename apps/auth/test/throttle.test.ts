import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '../src/throttle.js';

const settings = { maxFailures: 5, failureWindowMs: 15 * 60_000, baseLockMs: 30_000, maxLockMs: 15 * 60_000, maxTrackedKeys: 1000 };

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function fail(throttle: FailureThrottle, key: string): number {
  const verdict = throttle.begin(key);
  if (!verdict.allowed) throw new Error(`refused for ${verdict.retryAfterMs} ms`);
  return throttle.end(key, 'failure');
}

describe('FailureThrottle', () => {
  it('allows four failures and locks the key at the fifth', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 4; i++) expect(fail(t, 'login:alice')).toBe(0);
    expect(fail(t, 'login:alice')).toBe(30_000);
    expect(t.begin('login:alice')).toEqual({ allowed: false, retryAfterMs: 30_000 });
    c.advance(10_000);
    expect(t.begin('login:alice')).toEqual({ allowed: false, retryAfterMs: 20_000 });
  });

  it('keeps keys apart', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 5; i++) fail(t, 'login:alice');
    expect(t.begin('login:bob').allowed).toBe(true);
    expect(t.begin('passwd:alice').allowed).toBe(true);
  });

  it('doubles the lock for each failure after a lock, up to the cap', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 4; i++) fail(t, 'k');
    const locks = [fail(t, 'k')];
    for (let i = 0; i < 8; i++) {
      c.advance(t.lockedFor('k'));
      locks.push(fail(t, 'k'));
    }
    expect(locks).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000, 900_000]);
  });

  it('never locks longer than maxLockMs, however many failures', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 200; i++) {
      c.advance(t.lockedFor('k'));
      fail(t, 'k');
      expect(t.lockedFor('k')).toBeLessThanOrEqual(settings.maxLockMs);
    }
  });

  it('forgets failures older than the window', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 4; i++) fail(t, 'k');
    c.advance(settings.failureWindowMs);
    for (let i = 0; i < 4; i++) expect(fail(t, 'k')).toBe(0);
    expect(t.begin('k').allowed).toBe(true);
  });

  it('resets the escalation after a quiet window', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 5; i++) fail(t, 'k');
    c.advance(30_000);
    expect(fail(t, 'k')).toBe(60_000);
    c.advance(60_000 + settings.failureWindowMs);
    for (let i = 0; i < 4; i++) expect(fail(t, 'k')).toBe(0);
    expect(fail(t, 'k')).toBe(30_000);
  });

  it('clears the record on a success', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 4; i++) fail(t, 'k');
    expect(t.begin('k').allowed).toBe(true);
    t.end('k', 'success');
    expect(t.size).toBe(0);
    for (let i = 0; i < 4; i++) expect(fail(t, 'k')).toBe(0);
  });

  it('refuses parallel attempts that could overshoot the limit', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 3; i++) fail(t, 'k');
    expect(t.begin('k').allowed).toBe(true);
    expect(t.begin('k').allowed).toBe(true);
    const third = t.begin('k');
    expect(third.allowed).toBe(false);
    t.end('k', 'failure');
    expect(t.end('k', 'failure')).toBe(30_000);
  });

  it('releases the slot of an abandoned attempt without counting it', () => {
    const c = clock();
    const t = new FailureThrottle(settings, c.now);
    for (let i = 0; i < 10; i++) {
      expect(t.begin('k').allowed).toBe(true);
      t.end('k', 'abandoned');
    }
    expect(t.size).toBe(0);
  });

  it('keeps at most maxTrackedKeys records', () => {
    const c = clock();
    const t = new FailureThrottle({ ...settings, maxTrackedKeys: 100 }, c.now);
    for (let i = 0; i < 1000; i++) fail(t, `k${i}`);
    expect(t.size).toBeLessThanOrEqual(100);
  });
});
