import { isNotConfirmed, NotConfirmedError, randomId, type RequestOptions } from '@tidings/client';
import { TidingsError, type ResultOf } from '@tidings/protocol';
import { tidings } from '../invocation.js';

/** The part of a Connection sending needs (a fake in unit tests). */
export interface SendConnection {
  request(action: 'chat.send', body: { c: string; x: string }, options?: RequestOptions): Promise<ResultOf<'chat.send'>>;
}

/** How long `send` waits for a message's ack before it says "not confirmed yet" (seconds; `--wait`). */
export const DEFAULT_SEND_WAIT_S = 120;

export interface SendPolicy {
  /**
   * How long to wait for the ack, in ms (default 120 s), while the request goes out again (same
   * id) after every reconnect. Past it the send ends with a NotConfirmedError: the message may
   * still arrive, and can never arrive twice.
   */
  waitMs?: number;
  /** At most this many waits for RATE_LIMITED or a busy service per message. Default 30. */
  serviceWaits?: number;
  /** Waits this long (ms); injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** The idempotency key (default: a fresh random id). */
  id?: string;
  /** Told before each wait, e.g. to say so on stderr. */
  onRetry?: (reason: string) => void;
  /** Clock (ms), injectable for tests. */
  now?: () => number;
}

export interface Sent {
  id: string;
  s: number;
  at: number;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends one message and waits for its ack. The connection sends the request again, with the SAME
 * id — the idempotency key — after every reconnect, so a message whose ack was lost is answered
 * with its first ack and never stored twice. RATE_LIMITED and UNAVAILABLE from a service (its
 * database is briefly unavailable) wait the advised time and try again, same id. Only a refusal
 * (bad text, no such room …) is final. When the ack has not come within `waitMs` the promise
 * rejects with a NotConfirmedError — never "failed": the message may still arrive.
 */
export async function sendMessage(conn: SendConnection, c: string, x: string, policy: SendPolicy = {}): Promise<Sent> {
  // 12 random url-safe characters (72 bits), as the web app's: the key is unique per sender only.
  const id = policy.id ?? randomId(12);
  const sleep = policy.sleep ?? sleepReal;
  const now = policy.now ?? Date.now;
  const waitMs = policy.waitMs ?? DEFAULT_SEND_WAIT_S * 1000;
  const deadline = now() + waitMs;
  let waits = policy.serviceWaits ?? 30;
  let sent = false;
  for (;;) {
    const left = deadline - now();
    if (left <= 0) throw notConfirmed(c, id, waitMs, sent);
    try {
      const ack = await conn.request('chat.send', { c, x }, { id, timeoutMs: left });
      return { id, s: ack.s, at: ack.at };
    } catch (err) {
      if (isNotConfirmed(err)) throw notConfirmed(c, id, waitMs, sent || err.sent);
      if (!(err instanceof TidingsError)) throw err;
      // A service answered: the request got there. RATE_LIMITED and UNAVAILABLE say when to come back.
      sent = true;
      if ((err.code === 'RATE_LIMITED' || err.code === 'UNAVAILABLE') && waits > 0) {
        waits--;
        const seconds = Math.min(Math.max(err.retryAfter ?? 1, 0.1), 30);
        const pause = Math.min(seconds * 1000, Math.max(0, deadline - now()));
        policy.onRetry?.(`${err.code === 'RATE_LIMITED' ? 'rate-limited' : err.message}: trying again in ${Math.ceil(pause / 1000)} s`);
        await sleep(pause);
        continue;
      }
      throw err;
    }
  }
}

function notConfirmed(c: string, id: string, waitMs: number, sent: boolean): NotConfirmedError {
  const seconds = Math.round(waitMs / 1000);
  if (!sent) return new NotConfirmedError(`not sent: no connection to the broker within ${seconds} s (the message to ${c} was not delivered)`, false);
  return new NotConfirmedError(
    `not confirmed yet: no ack within ${seconds} s for the message to ${c} (id ${id}); it may still arrive, never twice — ${tidings()} history ${c} shows whether it did`,
    true,
  );
}
