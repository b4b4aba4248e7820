/** Tunables of the presence service. Defaults are production values; tests shorten them. */
export interface PresenceSettings {
  /**
   * After (re)connecting to the broker, how long the retained device topics have to arrive
   * before users still marked online with no connected device are set offline.
   */
  settleMs: number;
  /** How long presence changes are gathered before they are written to the database together. */
  flushDelayMs: number;
  /** After a failed database write, how long before it is tried again. */
  retryDelayMs: number;
  /** At most one typing event is relayed per (user, conversation) in this window. */
  typingIntervalMs: number;
  /** At most this many typing requests of one user are looked at per window (any conversations). */
  typingPerUserMax: number;
  /** Upper bound on the entries the typing limiter keeps (oldest dropped beyond it). */
  maxTrackedKeys: number;
}

export const DEFAULT_SETTINGS: PresenceSettings = {
  settleMs: 2000,
  flushDelayMs: 100,
  retryDelayMs: 1000,
  typingIntervalMs: 2000,
  typingPerUserMax: 10,
  maxTrackedKeys: 100_000,
};

export function resolveSettings(partial: Partial<PresenceSettings> = {}): PresenceSettings {
  const settings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(partial) as [keyof PresenceSettings, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`presence setting ${key} must be a non-negative number, got ${value}`);
    settings[key] = value;
  }
  if (settings.typingPerUserMax < 1) throw new RangeError('presence setting typingPerUserMax must be at least 1');
  if (settings.maxTrackedKeys < 1) throw new RangeError('presence setting maxTrackedKeys must be at least 1');
  return settings;
}
