/**
 * In-memory limits on password guessing. They live in the auth process, so they hold for one
 * auth instance (the supported deployment); several instances would each keep their own counts
 * and would need a shared store (e.g. Redis) instead. A restart forgets them.
 *
 * Two limits work together:
 *  - per username ({@link FailureThrottle}): after `maxFailures` wrong passwords within the window
 *    the username is locked for `baseLockMs`; every further failure after a lock locks it again
 *    for twice as long, capped at `maxLockMs`. A success clears the record, and a quiet window
 *    without failures resets the escalation. Guests get a fresh random client id per connection,
 *    so only a limit keyed by the username stops a guesser who reconnects for every try.
 *  - per client id (service-kit's AttemptLimiter): a cap on attempts per minute from one connection.
 *
 * A lock refuses sign-ins for the username whatever the password, so a stranger can delay the
 * account's owner; the cap on the lock period keeps that bounded (never a lock-out for good),
 * and sessions already signed in are not affected.
 */

import type { Verdict } from '@tidings/service-kit';

export interface FailureThrottleSettings {
  maxFailures: number;
  failureWindowMs: number;
  baseLockMs: number;
  maxLockMs: number;
  maxTrackedKeys: number;
}

interface FailureRecord {
  /** Times of failures in the current window (cleared when a lock starts). */
  failures: number[];
  /** Attempts that passed `begin` and have not ended yet. */
  pending: number;
  lockedUntil: number;
  /** Locks so far in this streak; the next lock lasts baseLockMs · 2^locks. */
  locks: number;
  lastFailureAt: number;
}

/** While attempts are in flight we cannot know their outcome: ask the caller to retry shortly. */
const IN_FLIGHT_RETRY_MS = 1000;

export class FailureThrottle {
  readonly #settings: FailureThrottleSettings;
  readonly #now: () => number;
  readonly #records = new Map<string, FailureRecord>();
  #lastSweepAt = 0;

  constructor(settings: FailureThrottleSettings, now: () => number) {
    this.#settings = settings;
    this.#now = now;
  }

  /**
   * Call before checking a password. Refused while the key is locked, or while the attempts
   * already in flight could reach the limit (so parallel guesses cannot overshoot it).
   * An allowed attempt must be closed with {@link end}.
   */
  begin(key: string): Verdict {
    const now = this.#now();
    this.#maybeSweep(now);
    let record = this.#records.get(key);
    if (record) {
      if (record.lockedUntil > now) return { allowed: false, retryAfterMs: record.lockedUntil - now };
      this.#forgetOld(record, now);
      if (record.failures.length + record.pending >= this.#threshold(record)) {
        return { allowed: false, retryAfterMs: IN_FLIGHT_RETRY_MS };
      }
    } else {
      record = { failures: [], pending: 0, lockedUntil: 0, locks: 0, lastFailureAt: 0 };
      this.#records.set(key, record);
    }
    record.pending += 1;
    return { allowed: true };
  }

  /**
   * Call after checking the password. A success clears the key's record; a failure counts and
   * may start a lock, whose length (ms) is returned (0 when none started). 'abandoned' (the check
   * itself failed) only releases the slot.
   */
  end(key: string, outcome: 'success' | 'failure' | 'abandoned'): number {
    const now = this.#now();
    const record = this.#records.get(key);
    if (!record) return 0;
    record.pending = Math.max(0, record.pending - 1);
    if (outcome === 'success') {
      record.failures = [];
      record.locks = 0;
      record.lockedUntil = 0;
      record.lastFailureAt = 0;
      if (record.pending === 0) this.#records.delete(key);
      return 0;
    }
    if (outcome === 'abandoned') {
      if (this.#isIdle(record, now)) this.#records.delete(key);
      return 0;
    }
    this.#forgetOld(record, now);
    record.failures.push(now);
    record.lastFailureAt = now;
    if (record.failures.length < this.#threshold(record)) return 0;
    const lockMs = Math.min(this.#settings.baseLockMs * 2 ** record.locks, this.#settings.maxLockMs);
    record.lockedUntil = Math.max(record.lockedUntil, now + lockMs);
    record.locks += 1;
    record.failures = [];
    return lockMs;
  }

  /** Whether the key is locked now, and for how long (for tests and diagnostics). */
  lockedFor(key: string): number {
    const record = this.#records.get(key);
    return record ? Math.max(0, record.lockedUntil - this.#now()) : 0;
  }

  get size(): number {
    return this.#records.size;
  }

  /** After a first lock, each further failure locks again; before it, `maxFailures` do. */
  #threshold(record: FailureRecord): number {
    return record.locks > 0 ? 1 : this.#settings.maxFailures;
  }

  /** Drops failures older than the window; a whole quiet window after the last lock ends the streak. */
  #forgetOld(record: FailureRecord, now: number): void {
    const window = this.#settings.failureWindowMs;
    record.failures = record.failures.filter((t) => now - t < window);
    if (record.locks > 0 && this.#quietFor(record, now) >= window) record.locks = 0;
  }

  /** Time since the last failure or the end of the last lock, whichever is later. */
  #quietFor(record: FailureRecord, now: number): number {
    return now - Math.max(record.lastFailureAt, record.lockedUntil);
  }

  #isIdle(record: FailureRecord, now: number): boolean {
    return record.pending === 0 && this.#quietFor(record, now) >= this.#settings.failureWindowMs;
  }

  /** Keeps memory bounded: drops idle records once per window, and the oldest (down to 90 %) at the cap. */
  #maybeSweep(now: number): void {
    const { failureWindowMs, maxTrackedKeys } = this.#settings;
    if (now - this.#lastSweepAt < failureWindowMs && this.#records.size < maxTrackedKeys) return;
    this.#lastSweepAt = now;
    for (const [key, record] of this.#records) if (this.#isIdle(record, now)) this.#records.delete(key);
    const target = Math.floor(maxTrackedKeys * 0.9);
    for (const key of this.#records.keys()) {
      if (this.#records.size <= target) break;
      this.#records.delete(key);
    }
  }
}
