import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../src/index.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('AttemptLimiter', () => {
  it('allows the limit within the window and tells when the next attempt is allowed', () => {
    const c = manualClock();
    const l = new AttemptLimiter({ limit: 3, windowMs: 60_000, maxKeys: 100 }, c.now);
    for (let i = 0; i < 3; i++) {
      expect(l.take('g:abc').allowed).toBe(true);
      c.advance(1000);
    }
    expect(l.take('g:abc')).toEqual({ allowed: false, retryAfterMs: 57_000 });
    expect(l.take('g:other').allowed).toBe(true);
    c.advance(57_000);
    expect(l.take('g:abc').allowed).toBe(true);
    expect(l.take('g:abc').allowed).toBe(false);
  });

  it('does not count refused attempts', () => {
    const c = manualClock();
    const l = new AttemptLimiter({ limit: 1, windowMs: 60_000, maxKeys: 100 }, c.now);
    l.take('x');
    for (let i = 0; i < 10; i++) {
      c.advance(5000);
      l.take('x');
    }
    c.advance(10_000);
    expect(l.take('x').allowed).toBe(true);
  });

  it('keeps at most maxKeys keys', () => {
    const c = manualClock();
    const l = new AttemptLimiter({ limit: 5, windowMs: 60_000, maxKeys: 50 }, c.now);
    for (let i = 0; i < 500; i++) l.take(`g:${i}`);
    expect(l.size).toBeLessThanOrEqual(50);
  });

  it('caps attempts of any outcome per key within the window', () => {
    const clock = manualClock(0);
    const limiter = new AttemptLimiter({ limit: 2, windowMs: 1000, maxKeys: 100 }, clock.now);
    expect(limiter.take('c').allowed).toBe(true);
    clock.advance(400);
    expect(limiter.take('c').allowed).toBe(true);
    expect(limiter.take('c')).toEqual({ allowed: false, retryAfterMs: 600 });
    expect(limiter.take('other').allowed).toBe(true);
    clock.advance(600);
    expect(limiter.take('c').allowed).toBe(true);
  });
});
