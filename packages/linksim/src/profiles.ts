import { LinkError } from './errors.js';

/** Something that happens to the whole link for a while, `atMs` after the profile starts. */
export interface TimedImpairment {
  readonly atMs: number;
  readonly durationMs: number;
}

/** The conditions of one user's network link. Times in milliseconds, bandwidth in bits/s. */
export interface LinkProfile {
  readonly name: string;
  /** One-way delay, each direction. */
  readonly delayMs: number;
  /** Cap per direction, shared by every connection of the link; 0 or Infinity: unlimited. */
  readonly bandwidthBps: number;
  /** Every open connection is cut at intervals drawn uniformly in [minMs, maxMs]. */
  readonly cuts?: { readonly minMs: number; readonly maxMs: number };
  /** Nothing moves either way for a while; no connection is closed. */
  readonly stalls?: readonly TimedImpairment[];
  /** Every open connection is cut and new ones are refused for a while. */
  readonly outages?: readonly TimedImpairment[];
}

const calm: LinkProfile = { name: 'calm', delayMs: 1_000, bandwidthBps: 64_000 };

/** The links Tidings is built for, and `none` (a plain counting proxy). */
export const profiles = {
  none: { name: 'none', delayMs: 0, bandwidthBps: Infinity },
  calm,
  flaky: {
    ...calm,
    name: 'flaky',
    cuts: { minMs: 10_000, maxMs: 30_000 },
    stalls: [
      { atMs: 30_000, durationMs: 20_000 },
      { atMs: 70_000, durationMs: 20_000 },
    ],
  },
  outage: { ...calm, name: 'outage', outages: [{ atMs: 20_000, durationMs: 60_000 }] },
} as const satisfies Record<string, LinkProfile>;

export type ProfileName = keyof typeof profiles;

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(profiles, name);
}

/**
 * The same link with every time multiplied by `factor` and the bandwidth divided by it, so a
 * scenario keeps its shape in `factor` of the time: `scaleProfile(profiles.flaky, 0.1)` has a
 * 100 ms delay, 640 kbit/s, cuts every 1–3 s and 2 s stalls.
 */
export function scaleProfile(profile: LinkProfile, factor: number): LinkProfile {
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new LinkError('INVALID_ARGUMENT', `scale factor must be a positive number, got ${factor}`);
  }
  validateProfile(profile);
  const timed = (list: readonly TimedImpairment[]) => list.map((t) => ({ atMs: t.atMs * factor, durationMs: t.durationMs * factor }));
  return {
    name: factor === 1 ? profile.name : `${profile.name}@${factor}`,
    delayMs: profile.delayMs * factor,
    bandwidthBps: profile.bandwidthBps / factor,
    ...(profile.cuts && { cuts: { minMs: profile.cuts.minMs * factor, maxMs: profile.cuts.maxMs * factor } }),
    ...(profile.stalls && { stalls: timed(profile.stalls) }),
    ...(profile.outages && { outages: timed(profile.outages) }),
  };
}

/** Throws a LinkError naming the first field that cannot be used. */
export function validateProfile(profile: LinkProfile): void {
  const bad = (what: string) => {
    throw new LinkError('INVALID_PROFILE', `profile ${JSON.stringify(profile.name)}: ${what}`);
  };
  const time = (v: unknown, what: string, positive = false) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (positive && v === 0)) {
      bad(`${what} must be a ${positive ? 'positive' : 'non-negative'} finite number of ms, got ${String(v)}`);
    }
  };
  if (typeof profile.name !== 'string') bad('name must be a string');
  time(profile.delayMs, 'delayMs');
  if (typeof profile.bandwidthBps !== 'number' || Number.isNaN(profile.bandwidthBps) || profile.bandwidthBps < 0) {
    bad(`bandwidthBps must be 0 (unlimited), Infinity or a positive number, got ${String(profile.bandwidthBps)}`);
  }
  if (profile.cuts) {
    time(profile.cuts.minMs, 'cuts.minMs', true);
    time(profile.cuts.maxMs, 'cuts.maxMs', true);
    if (profile.cuts.maxMs < profile.cuts.minMs) bad('cuts.maxMs must not be below cuts.minMs');
  }
  for (const [kind, list] of [
    ['stalls', profile.stalls],
    ['outages', profile.outages],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) bad(`${kind} must be a list`);
    (list as readonly { atMs: unknown; durationMs: unknown }[]).forEach((t, i) => {
      time(t.atMs, `${kind}[${i}].atMs`);
      time(t.durationMs, `${kind}[${i}].durationMs`, true);
    });
  }
}

/** Bits per second, or null when the profile does not limit bandwidth. */
export function bandwidthLimit(profile: LinkProfile): number | null {
  return profile.bandwidthBps === 0 || profile.bandwidthBps === Infinity ? null : profile.bandwidthBps;
}
