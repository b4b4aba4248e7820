/** What a limiter says to one attempt: go ahead, or not before `retryAfterMs`. */
export type Verdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface AttemptLimiterOptions {
  /** Attempts allowed per key within the window. */
  limit: number;
  windowMs: number;
  /** Keys tracked at most: idle keys are dropped once per window, and the oldest (down to 90 %) at the cap. */
  maxKeys: number;
}

/**
 * A sliding-window cap on attempts of any outcome: at most `limit` per key within `windowMs`
 * (auth: sign-in and sign-up attempts per guest connection; security-questions: answer, code and
 * question look-ups per guest connection). In memory: one service instance; a restart forgets it.
 */
export class AttemptLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #attempts = new Map<string, number[]>();
  #lastSweepAt = 0;

  constructor(options: AttemptLimiterOptions, now: () => number) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys;
    this.#now = now;
  }

  /** Counts one attempt for the key, or refuses it (not counted) when the cap is reached. */
  take(key: string): Verdict {
    const now = this.#now();
    this.#maybeSweep(now);
    const times = (this.#attempts.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (times.length >= this.#limit) {
      this.#attempts.set(key, times);
      const oldest = times[0] ?? now;
      return { allowed: false, retryAfterMs: Math.max(1, oldest + this.#windowMs - now) };
    }
    times.push(now);
    this.#attempts.set(key, times);
    return { allowed: true };
  }

  /** Keys tracked now (tests, diagnostics). */
  get size(): number {
    return this.#attempts.size;
  }

  #maybeSweep(now: number): void {
    if (now - this.#lastSweepAt < this.#windowMs && this.#attempts.size < this.#maxKeys) return;
    this.#lastSweepAt = now;
    for (const [key, times] of this.#attempts) {
      if (times.every((t) => now - t >= this.#windowMs)) this.#attempts.delete(key);
    }
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const key of this.#attempts.keys()) {
      if (this.#attempts.size <= target) break;
      this.#attempts.delete(key);
    }
  }
}
