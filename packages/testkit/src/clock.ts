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
