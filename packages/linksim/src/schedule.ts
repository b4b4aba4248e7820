import type { LinkProfile } from './profiles.js';

export type ImpairmentKind = 'cut' | 'stall' | 'outage';

/** One planned impairment, `atMs` after the link started; `durationMs` is 0 for a cut. */
export interface ScheduledEvent {
  readonly atMs: number;
  readonly kind: ImpairmentKind;
  readonly durationMs: number;
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The impairments of `profile` in time order, forever when it has cuts, starting `offsetMs` after
 * the link started. Cut intervals are drawn from `seed`: the same profile and seed always give the
 * same events.
 */
export function* scheduleOf(profile: LinkProfile, seed: number, offsetMs = 0): Generator<ScheduledEvent> {
  const fixed: ScheduledEvent[] = [
    ...(profile.stalls ?? []).map((s) => ({ atMs: s.atMs, kind: 'stall' as const, durationMs: s.durationMs })),
    ...(profile.outages ?? []).map((s) => ({ atMs: s.atMs, kind: 'outage' as const, durationMs: s.durationMs })),
  ].sort((a, b) => a.atMs - b.atMs);
  const random = mulberry32(seed);
  const cuts = profile.cuts;
  const nextCut = (after: number) => (cuts ? after + Math.round(cuts.minMs + random() * (cuts.maxMs - cuts.minMs)) : Infinity);
  let cutAt = nextCut(0);
  let i = 0;
  for (;;) {
    const f = fixed[i];
    if (f !== undefined && f.atMs <= cutAt) {
      i += 1;
      yield { ...f, atMs: offsetMs + f.atMs };
    } else if (cutAt !== Infinity) {
      yield { atMs: offsetMs + cutAt, kind: 'cut', durationMs: 0 };
      cutAt = nextCut(cutAt);
    } else {
      return;
    }
  }
}

/** The events of `profile` with `seed` in the first `untilMs` (what a link with them will do). */
export function planSchedule(profile: LinkProfile, seed: number, untilMs: number): ScheduledEvent[] {
  const out: ScheduledEvent[] = [];
  for (const e of scheduleOf(profile, seed)) {
    if (e.atMs > untilMs) break;
    out.push(e);
  }
  return out;
}
