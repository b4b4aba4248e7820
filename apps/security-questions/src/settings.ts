/** Tunables of the security-questions service. Defaults are production values; tests shorten them. */
export interface RecoverySettings {
  /** Wrong answers or codes per username within `recoveryWindowMs` before recovery of that name pauses. */
  recoveryFailures: number;
  recoveryWindowMs: number;
  /** Answer and code attempts (any outcome) one client id may make within `recoveryWindowMs`. */
  clientRecoveryAttempts: number;
  /** Question look-ups one client id may make per minute. */
  questionsPerClientPerMinute: number;
  /** Wrong current passwords (security.set, recovery.codes) per user within `passwordWindowMs`. */
  passwordFailures: number;
  passwordWindowMs: number;
  /** A refused (rate-limited) attempt is answered after this delay, to slow scripted guessing. */
  refusalDelayMs: number;
  /** Upper bound on the keys each in-memory counter keeps (the oldest tenth dropped at it); with
   * the limits in Redis, the memory insurance counters keep as many. */
  maxTrackedKeys: number;
  /** The line of hashes (service-kit's FairQueue), as in auth: hashes computed at once … */
  hashConcurrency: number;
  /** … hashes waiting at most (beyond: RATE_LIMITED) … */
  hashQueue: number;
  /** … hashes of one client id in the line at most … */
  hashPerClient: number;
  /** … and the longest wait in the line, in ms (then RATE_LIMITED). */
  hashDeadlineMs: number;
}

export const DEFAULT_SETTINGS: RecoverySettings = {
  recoveryFailures: 5,
  recoveryWindowMs: 60 * 60 * 1000,
  clientRecoveryAttempts: 5,
  questionsPerClientPerMinute: 30,
  passwordFailures: 5,
  passwordWindowMs: 15 * 60 * 1000,
  refusalDelayMs: 500,
  maxTrackedKeys: 100_000,
  hashConcurrency: 2,
  hashQueue: 16,
  hashPerClient: 2,
  hashDeadlineMs: 5000,
};

export function resolveSettings(partial: Partial<RecoverySettings> = {}): RecoverySettings {
  const settings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(partial) as [keyof RecoverySettings, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`security-questions setting ${key} must be a non-negative number, got ${value}`);
    settings[key] = value;
  }
  for (const key of [
    'recoveryFailures',
    'clientRecoveryAttempts',
    'questionsPerClientPerMinute',
    'passwordFailures',
    'hashConcurrency',
    'hashPerClient',
    'hashDeadlineMs',
  ] as const) {
    if (settings[key] < 1) throw new RangeError(`security-questions setting ${key} must be at least 1`);
  }
  if (settings.recoveryWindowMs <= 0 || settings.passwordWindowMs <= 0) throw new RangeError('security-questions windows must be positive');
  // The limits may live in Redis, whose TTLs are whole seconds.
  for (const key of ['recoveryWindowMs', 'passwordWindowMs'] as const) {
    if (settings[key] % 1000 !== 0) throw new RangeError(`security-questions setting ${key} must be a whole number of seconds`);
  }
  return settings;
}
