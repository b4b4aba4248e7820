import { BoundedMap } from './bounded-map.js';

export type Verdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface TokenBucketSettings {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many may be taken at once after a quiet spell. */
  burst: number;
  /** Keys tracked at most; the least recently used is forgotten (i.e. gets a full bucket again). */
  maxKeys: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (the sender's username): `burst` tokens, refilled at `ratePerSecond`.
 * It lives in the chat-store process, like the sequence numbers (one chat-store instance).
 */
export class TokenBucketLimiter {
  readonly #settings: TokenBucketSettings;
  readonly #now: () => number;
  readonly #buckets: BoundedMap<string, Bucket>;

  constructor(settings: TokenBucketSettings, now: () => number) {
    this.#settings = settings;
    this.#now = now;
    this.#buckets = new BoundedMap(settings.maxKeys);
  }

  /** Takes one token for the key, or refuses (taking nothing) and says when one will be there. */
  take(key: string): Verdict {
    const bucket = this.#refill(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const missing = 1 - bucket.tokens;
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((missing * 1000) / this.#settings.ratePerSecond)) };
  }

  /** Gives a token back (a send that turned out to be a retry of one already stored). */
  refund(key: string): void {
    const bucket = this.#refill(key);
    bucket.tokens = Math.min(this.#settings.burst, bucket.tokens + 1);
  }

  /** Tokens the key has now (for tests and diagnostics). */
  tokens(key: string): number {
    return this.#refill(key).tokens;
  }

  #refill(key: string): Bucket {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.#settings.burst, at: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    // A clock that steps back adds nothing (and takes nothing).
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.#settings.burst, bucket.tokens + (elapsed * this.#settings.ratePerSecond) / 1000);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }
}
