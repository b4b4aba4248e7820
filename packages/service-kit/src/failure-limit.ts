/**
 * A limit on failed checks of a secret per key (a password per username, a recovery answer per
 * username), on {@link Limits} counters, so every instance sees the same counts when the limits
 * are in Redis.
 *
 * At most `maxFailures` failures per window of `windowMs` (a window starts at the key's first
 * failure). With `lock`, reaching the limit locks the key for `baseMs`; every further failure
 * after a lock locks it again for twice as long, up to `maxMs`, and a whole quiet window after
 * the last lock ends the streak. Without `lock`, attempts are refused until the window ends.
 * A success clears the key. Attempts in flight count (a `pending` counter), so parallel guesses
 * cannot overshoot the limit, on one instance or several.
 */

import type { Counter, Limits, Verdict } from './limits.js';

/** While attempts are in flight we cannot know their outcome: ask the caller to retry shortly. */
export const IN_FLIGHT_RETRY_MS = 1000;
/** How long an attempt counts as in flight at most (an instance that died mid-check frees it then). */
const PENDING_MS = 60_000;

export interface FailureLimitOptions {
  /** Names the counters (`<name>:failures`, `<name>:pending`, …). */
  name: string;
  maxFailures: number;
  /** Whole seconds (ms). */
  windowMs: number;
  lock?: { baseMs: number; maxMs: number };
}

export type Outcome = 'success' | 'failure' | 'abandoned';

export class FailureLimit {
  readonly #options: FailureLimitOptions;
  readonly #failures: Counter;
  readonly #pending: Counter;
  readonly #locked: Counter | undefined;
  readonly #streak: Counter | undefined;

  constructor(limits: Limits, options: FailureLimitOptions) {
    this.#options = options;
    const { name, maxFailures, windowMs } = options;
    this.#failures = limits.counter({ name: `${name}:failures`, points: maxFailures, durationMs: windowMs });
    this.#pending = limits.counter({ name: `${name}:pending`, points: maxFailures, durationMs: PENDING_MS });
    if (options.lock) {
      this.#locked = limits.counter({ name: `${name}:locked`, points: 1, durationMs: options.lock.maxMs });
      this.#streak = limits.counter({ name: `${name}:locks`, points: 1, durationMs: options.lock.maxMs + windowMs });
    }
  }

  /**
   * Call before checking the secret. Refused while the key is locked or at its limit, or while
   * the attempts already in flight could reach it. An allowed attempt must be closed with {@link end}.
   */
  async begin(key: string): Promise<Verdict> {
    // A locked key is refused with one read.
    const lockedBefore = await this.#locked?.get(key);
    if (lockedBefore) return { allowed: false, retryAfterMs: lockedBefore.msLeft };
    // Take the slot first, then read the counts: an attempt that ends meanwhile adds its failure
    // before it frees its slot (see end), and a lock is set before its failures are cleared, so
    // the sum read here may count an attempt twice, never zero times (instances racing included).
    const pending = await this.#pending.add(key, 1);
    const [locked, failures, streak] = await Promise.all([this.#locked?.get(key), this.#failures.get(key), this.#streak?.get(key)]);
    const refuse = async (retryAfterMs: number): Promise<Verdict> => {
      await this.#pending.refund(key);
      return { allowed: false, retryAfterMs };
    };
    if (locked) return refuse(locked.msLeft);
    const threshold = this.#threshold(streak?.count ?? 0);
    const failed = failures?.count ?? 0;
    if (failed >= threshold && !this.#options.lock) return refuse(Math.max(1, failures!.msLeft));
    if (failed + pending.count > threshold) return refuse(IN_FLIGHT_RETRY_MS);
    return { allowed: true };
  }

  /**
   * Call after the check. A success clears the key; a failure counts and may start a lock, whose
   * length (ms) is returned (0 when none started); 'abandoned' (the check itself broke) only frees
   * the slot.
   */
  async end(key: string, outcome: Outcome): Promise<number> {
    if (outcome === 'abandoned') {
      await this.#pending.refund(key);
      return 0;
    }
    if (outcome === 'success') {
      await Promise.all([this.#failures.delete(key), this.#streak?.delete(key), this.#pending.refund(key)]);
      return 0;
    }
    // Count the failure before freeing the slot, so failures + pending never under-counts.
    const [failures, streak] = await Promise.all([this.#failures.add(key, 1), this.#streak?.get(key)]);
    await this.#pending.refund(key);
    const lock = this.#options.lock;
    const locks = streak?.count ?? 0;
    if (!lock || failures.count < this.#threshold(locks)) return 0;
    const lockMs = Math.min(lock.baseMs * 2 ** locks, lock.maxMs);
    await Promise.all([
      this.#locked!.set(key, 1, lockMs),
      // The streak ends after a whole quiet window after this lock ends.
      this.#streak!.set(key, locks + 1, lockMs + this.#options.windowMs),
    ]);
    // Only once the lock is set (see begin).
    await this.#failures.delete(key);
    return lockMs;
  }

  /** How long the key is locked now (ms; tests, diagnostics). */
  async lockedFor(key: string): Promise<number> {
    return (await this.#locked?.get(key))?.msLeft ?? 0;
  }

  /** Failures counted for the key in its window now (tests, diagnostics). */
  async failuresOf(key: string): Promise<number> {
    return (await this.#failures.get(key))?.count ?? 0;
  }

  /** After a first lock, each further failure locks again; before it, `maxFailures` do. */
  #threshold(locks: number): number {
    return locks > 0 ? 1 : this.#options.maxFailures;
  }
}
