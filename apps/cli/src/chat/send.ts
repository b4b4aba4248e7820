import { randomId, type RequestOptions } from '@tidings/client';
import { TidingsError, type ResultOf } from '@tidings/protocol';

/** The part of a Connection sending needs (a fake in unit tests). */
export interface SendConnection {
  request(action: 'chat.send', body: { c: string; x: string }, options?: RequestOptions): Promise<ResultOf<'chat.send'>>;
}

export interface SendPolicy {
  /** Attempts when no ack comes back (same id every time, so the message is stored once). Default 3. */
  tries?: number;
  /** How long one attempt waits for its ack, in ms. Default 10 s. */
  timeoutMs?: number;
  /** At most this many waits for RATE_LIMITED per message (each waits the advised retryAfter). Default 30. */
  rateLimitWaits?: number;
  /** Waits this long (ms); injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** The idempotency key (default: a fresh random id). */
  id?: string;
  /** Told before each retry, e.g. to say so on stderr. */
  onRetry?: (reason: string) => void;
}

export interface Sent {
  id: string;
  s: number;
  at: number;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends one message, retrying with the SAME request id — the idempotency key — when no ack comes
 * back (UNAVAILABLE: a timeout or a publish that failed), so a message whose ack was lost is
 * answered with its first ack and never stored twice. RATE_LIMITED waits the advised time and
 * tries again without spending a try. Any other error is final.
 */
export async function sendMessage(conn: SendConnection, c: string, x: string, policy: SendPolicy = {}): Promise<Sent> {
  // 12 random url-safe characters (72 bits), as the web app's: the key is unique per sender only.
  const id = policy.id ?? randomId(12);
  const tries = policy.tries ?? 3;
  const sleep = policy.sleep ?? sleepReal;
  let waits = policy.rateLimitWaits ?? 30;
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      const ack = await conn.request('chat.send', { c, x }, { id, ...(policy.timeoutMs !== undefined ? { timeoutMs: policy.timeoutMs } : {}) });
      return { id, s: ack.s, at: ack.at };
    } catch (err) {
      if (!(err instanceof TidingsError)) throw err;
      if (err.code === 'RATE_LIMITED' && waits > 0) {
        waits--;
        attempt--;
        const seconds = Math.min(Math.max(err.retryAfter ?? 1, 0.1), 30);
        policy.onRetry?.(`rate-limited: trying again in ${seconds} s`);
        await sleep(seconds * 1000);
        continue;
      }
      if (err.code !== 'UNAVAILABLE' || attempt >= tries) {
        if (err.code === 'UNAVAILABLE' && tries > 1) {
          throw new TidingsError('UNAVAILABLE', `${err.message} (${tries} tries; the message may still arrive, never twice)`, { cause: err });
        }
        throw err;
      }
      policy.onRetry?.(`${err.message}: trying again (${attempt + 1}/${tries})`);
    }
  }
}
