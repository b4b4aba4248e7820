/**
 * In-memory attempt limits of the security-questions service (one instance; a restart forgets
 * them; several instances would need a shared store). They are this service's own: nothing here
 * ever blocks signing in with the password, which auth throttles separately.
 */

import type { Verdict } from '@tidings/service-kit';

/** While attempts are in flight their outcome is unknown: ask the caller to retry shortly. */
const IN_FLIGHT_RETRY_MS = 1000;

interface FailureRecord {
  /** Times of failures still inside the window, oldest first. */
  failures: number[];
  /** Attempts begun and not yet ended. */
  pending: number;
}

/**
 * At most `limit` failures per key within a sliding `windowMs`: once they are reached, attempts
 * are refused until the oldest failure leaves the window (so a guesser gets `limit` tries per
 * window, steadily). Attempts in flight count, so parallel guesses cannot overshoot the limit.
 * A success clears the key.
 */
export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #records = new Map<string, FailureRecord>();
  #lastSweepAt = 0;

  constructor(options: { limit: number; windowMs: number; maxKeys: number }, now: () => number) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys;
    this.#now = now;
  }

  /** Call before checking a secret; an allowed attempt must be closed with {@link end}. */
  begin(key: string): Verdict {
    const now = this.#now();
    this.#maybeSweep(now);
    let record = this.#records.get(key);
    if (!record) {
      record = { failures: [], pending: 0 };
      this.#records.set(key, record);
    }
    this.#forgetOld(record, now);
    if (record.failures.length >= this.#limit) {
      return { allowed: false, retryAfterMs: Math.max(1, record.failures[record.failures.length - this.#limit]! + this.#windowMs - now) };
    }
    if (record.failures.length + record.pending >= this.#limit) return { allowed: false, retryAfterMs: IN_FLIGHT_RETRY_MS };
    record.pending += 1;
    return { allowed: true };
  }

  /** Success clears the key; failure counts; abandoned (the check itself broke) only frees the slot. */
  end(key: string, outcome: 'success' | 'failure' | 'abandoned'): void {
    const record = this.#records.get(key);
    if (!record) return;
    record.pending = Math.max(0, record.pending - 1);
    if (outcome === 'success') record.failures = [];
    else if (outcome === 'failure') record.failures.push(this.#now());
    if (record.pending === 0 && record.failures.length === 0) this.#records.delete(key);
  }

  /** Failures counted for the key now (tests, diagnostics). */
  failuresOf(key: string): number {
    const record = this.#records.get(key);
    if (!record) return 0;
    this.#forgetOld(record, this.#now());
    return record.failures.length;
  }

  get size(): number {
    return this.#records.size;
  }

  #forgetOld(record: FailureRecord, now: number): void {
    while (record.failures.length > 0 && now - record.failures[0]! >= this.#windowMs) record.failures.shift();
  }

  /** Keeps memory bounded: drops idle keys once per window, and the oldest (down to 90 %) at the cap. */
  #maybeSweep(now: number): void {
    if (now - this.#lastSweepAt < this.#windowMs && this.#records.size < this.#maxKeys) return;
    this.#lastSweepAt = now;
    for (const [key, record] of this.#records) {
      this.#forgetOld(record, now);
      if (record.pending === 0 && record.failures.length === 0) this.#records.delete(key);
    }
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const key of this.#records.keys()) {
      if (this.#records.size <= target) break;
      this.#records.delete(key);
    }
  }
}
