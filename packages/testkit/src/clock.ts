import { vi } from 'vitest';
/** A clock the test moves by hand; pass `now` to the services and the broker that should share it. */
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
}

/** A {@link ManualClock} standing at `start` (default: the real time now) until advanced. */
export function manualClock(start = Date.now()): ManualClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/**
 * The clock, with Date following it: the attempt limits (rate-limiter-flexible's memory counters)
 * read Date.now(), so tests that walk through a lock or a window move Date with the clock (a
 * fake Date only; timers stay real). Date stands still between moves; `vi.useRealTimers()` (the
 * harnesses' close) puts the real Date back.
 */
export function movingDate(clock: ManualClock): ManualClock {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
  return {
    now: clock.now,
    advance(ms) {
      clock.advance(ms);
      vi.setSystemTime(clock.now());
    },
  };
}
