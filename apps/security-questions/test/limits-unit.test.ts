import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../src/limits.js';
import { resolveSettings } from '../src/settings.js';
import { manualClock } from './helpers.js';

describe('FailureLimiter', () => {
  it('allows five failures in the window, then refuses until the oldest leaves it', () => {
    const clock = manualClock(0);
    const limiter = new FailureLimiter({ limit: 5, windowMs: 3600_000, maxKeys: 100 }, clock.now);
    for (let i = 0; i < 5; i++) {
      expect(limiter.begin('k')).toEqual({ allowed: true });
      limiter.end('k', 'failure');
      clock.advance(60_000);
    }
    expect(limiter.begin('k')).toEqual({ allowed: false, retryAfterMs: 3600_000 - 5 * 60_000 });
    clock.advance(3600_000 - 5 * 60_000);
    expect(limiter.begin('k')).toEqual({ allowed: true });
    limiter.end('k', 'failure');
    expect(limiter.begin('k')).toEqual({ allowed: false, retryAfterMs: 60_000 });
  });

  it('a success clears the key; an abandoned check only frees its slot', () => {
    const clock = manualClock(0);
    const limiter = new FailureLimiter({ limit: 2, windowMs: 1000, maxKeys: 100 }, clock.now);
    limiter.begin('k');
    limiter.end('k', 'failure');
    limiter.begin('k');
    limiter.end('k', 'abandoned');
    expect(limiter.failuresOf('k')).toBe(1);
    limiter.begin('k');
    limiter.end('k', 'success');
    expect(limiter.failuresOf('k')).toBe(0);
    expect(limiter.size).toBe(0);
  });

  it('counts attempts in flight, so parallel guesses cannot overshoot', () => {
    const limiter = new FailureLimiter({ limit: 3, windowMs: 1000, maxKeys: 100 }, manualClock(0).now);
    expect([1, 2, 3].map(() => limiter.begin('k').allowed)).toEqual([true, true, true]);
    expect(limiter.begin('k')).toEqual({ allowed: false, retryAfterMs: 1000 });
  });

  it('keys are independent and memory stays bounded', () => {
    const clock = manualClock(0);
    const limiter = new FailureLimiter({ limit: 1, windowMs: 1000, maxKeys: 10 }, clock.now);
    for (let i = 0; i < 50; i++) {
      limiter.begin(`k${i}`);
      limiter.end(`k${i}`, 'failure');
    }
    expect(limiter.size).toBeLessThanOrEqual(10);
    expect(limiter.begin('fresh').allowed).toBe(true);
  });
});

describe('settings', () => {
  it('refuses limits that would switch the protection off or make no sense', () => {
    expect(() => resolveSettings({ recoveryFailures: 0 })).toThrow(/at least 1/);
    expect(() => resolveSettings({ recoveryWindowMs: 0 })).toThrow(/positive/);
    expect(() => resolveSettings({ refusalDelayMs: -1 })).toThrow(/non-negative/);
    expect(resolveSettings({ recoveryFailures: 3 }).recoveryFailures).toBe(3);
  });

  it('bounds the line of hashes as auth does: 2 at once, 16 waiting, 2 per client, 5 s', () => {
    expect(resolveSettings()).toMatchObject({ hashConcurrency: 2, hashQueue: 16, hashPerClient: 2, hashDeadlineMs: 5000 });
    expect(() => resolveSettings({ hashConcurrency: 0 })).toThrow(/hashConcurrency/);
    expect(() => resolveSettings({ hashDeadlineMs: 0 })).toThrow(/hashDeadlineMs/);
  });
});
