/** Tunables of the auth service. Defaults are production values; tests shorten them. */
export interface AuthSettings {
  /** How long a session token is valid after sign-in. */
  sessionTtlMs: number;
  /** Active sessions one account keeps at most: a sign-in past it ends the oldest (TIDINGS_MAX_SESSIONS_PER_USER). */
  maxSessionsPerUser: number;
  /** Failed logins (per username) within `failureWindowMs` before the username is locked.
   * The windows and lock periods are whole seconds (the limits may live in Redis, whose TTLs are). */
  maxFailures: number;
  /** The window failures are counted in; also the quiet time after which lock escalation resets. */
  failureWindowMs: number;
  /** The first lock period; each further lock doubles it, up to `maxLockMs`. */
  baseLockMs: number;
  /** The longest a username is ever locked: a lockout is always bounded. */
  maxLockMs: number;
  /** Sign-in and sign-up attempts one client id may make per minute. */
  clientAttemptsPerMinute: number;
  /** A refused (rate-limited) attempt is answered after this delay, to slow scripted guessing. */
  refusalDelayMs: number;
  /** Upper bound on the keys each in-memory counter keeps (the oldest tenth dropped at it); with
   * the limits in Redis, the memory insurance counters keep as many. */
  maxTrackedKeys: number;
  /** The line of password hashes (service-kit's FairQueue): hashes computed at once … */
  hashConcurrency: number;
  /** … hashes waiting at most (beyond: RATE_LIMITED) … */
  hashQueue: number;
  /** … hashes of one client id in the line at most … */
  hashPerClient: number;
  /** … and the longest wait in the line, in ms (then RATE_LIMITED). */
  hashDeadlineMs: number;
}

export const DEFAULT_SETTINGS: AuthSettings = {
  sessionTtlMs: 30 * 24 * 60 * 60 * 1000,
  maxSessionsPerUser: 10,
  maxFailures: 5,
  failureWindowMs: 15 * 60 * 1000,
  baseLockMs: 30 * 1000,
  maxLockMs: 15 * 60 * 1000,
  clientAttemptsPerMinute: 10,
  refusalDelayMs: 500,
  maxTrackedKeys: 100_000,
  hashConcurrency: 2,
  hashQueue: 16,
  hashPerClient: 2,
  hashDeadlineMs: 5000,
};

export function resolveSettings(partial: Partial<AuthSettings> = {}): AuthSettings {
  const settings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(partial) as [keyof AuthSettings, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`auth setting ${key} must be a non-negative number, got ${value}`);
    settings[key] = value;
  }
  if (settings.sessionTtlMs <= 0) throw new RangeError('auth setting sessionTtlMs must be positive');
  if (!Number.isInteger(settings.maxSessionsPerUser) || settings.maxSessionsPerUser < 1)
    throw new RangeError('auth setting maxSessionsPerUser must be an integer of at least 1');
  if (settings.maxFailures < 1) throw new RangeError('auth setting maxFailures must be at least 1');
  if (settings.maxLockMs < settings.baseLockMs) throw new RangeError('auth setting maxLockMs must be at least baseLockMs');
  for (const key of ['failureWindowMs', 'baseLockMs', 'maxLockMs'] as const) {
    if (settings[key] < 1000 || settings[key] % 1000 !== 0) throw new RangeError(`auth setting ${key} must be a whole number of seconds`);
  }
  for (const key of ['hashConcurrency', 'hashPerClient', 'hashDeadlineMs'] as const) {
    if (settings[key] < 1) throw new RangeError(`auth setting ${key} must be at least 1`);
  }
  return settings;
}
