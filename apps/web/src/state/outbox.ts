import { backoffDelay, randomId } from '@tidings/client';
import { isTidingsError } from '@tidings/protocol';
import { Emitter } from './emitter.js';
import { isRecord, readJson, writeJson, type KeyValue } from './storage.js';

/**
 * Messages written but not yet acknowledged, kept in storage so they survive a reload: the one
 * source of truth for what the user sent.
 *
 * Each message gets its id once, when it is written; that id is the `chat.send` request id and
 * therefore the server's idempotency key. Every copy — after a dropped link (the connection
 * sends it again at once on the new link), a busy service or a reload — carries the same id, so
 * the server stores the message once and answers every copy with the first ack. Items go out
 * oldest first, several at a time (on a 2 s round-trip link one at a time would be one message
 * per round trip), without overtaking one that waits for a retryAfter; one connection keeps
 * their order. A message on its way is never failed for a bad link: it stays `sending` (not
 * confirmed yet) until its ack or a refusal comes, or the user discards it.
 *
 *   queued ──begin──▶ sending ──ack──▶ (removed: the message is in the conversation now)
 *     ▲                 │
 *     └──── retry ◀─────┤ rate limited / service unavailable (after its retryAfter)
 *                       └──▶ failed (refused: shown with its reason; retry or discard by hand)
 */
export type OutboxStatus = 'queued' | 'sending' | 'failed';

export interface OutboxItem {
  /** chat.send request id = idempotency key; never changes. */
  readonly id: string;
  /** Conversation ref: a room name or @username. */
  readonly c: string;
  readonly x: string;
  /** When it was written (this device's clock). */
  readonly at: number;
  status: OutboxStatus;
  attempts: number;
  /** Not before this time (ms): set after a rate limit or a failing service. */
  retryAt?: number;
  /** When the current attempt began (this device's clock), while `sending`. */
  sentAt?: number;
  /** Why it failed, in words. */
  error?: string;
}

export type SendFailure = { kind: 'retry'; afterMs: number; reason: string } | { kind: 'fail'; reason: string };

/** Errors that mean the server refused this message: resending the same one will not help. */
const REFUSALS = new Set(['BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'UNAUTHORIZED']);
/** Give up on a message the service keeps failing on (INTERNAL) after this many attempts. */
export const INTERNAL_ATTEMPTS = 5;

/** Decides what a failed send attempt means: try again later, or show it as failed. */
export function classifySendError(err: unknown, attempts: number): SendFailure {
  if (isTidingsError(err)) {
    // The service says when to come back (too many messages; its database briefly unavailable).
    if (err.code === 'RATE_LIMITED' || (err.code === 'UNAVAILABLE' && err.retryAfter !== undefined)) {
      return { kind: 'retry', afterMs: Math.max(1, err.retryAfter ?? 1) * 1000, reason: err.message };
    }
    if (REFUSALS.has(err.code)) return { kind: 'fail', reason: err.message };
    if (err.code === 'INTERNAL' && attempts >= INTERNAL_ATTEMPTS) return { kind: 'fail', reason: err.message };
    return { kind: 'retry', afterMs: backoffDelay(attempts - 1, { baseMs: 1000, maxMs: 30_000 }), reason: err.message };
  }
  return { kind: 'retry', afterMs: backoffDelay(attempts - 1, { baseMs: 1000, maxMs: 30_000 }), reason: (err as Error)?.message ?? 'unknown error' };
}

function readItem(v: unknown): OutboxItem | null {
  if (!isRecord(v)) return null;
  const { id, c, x, at, status, attempts, error } = v;
  if (typeof id !== 'string' || typeof c !== 'string' || typeof x !== 'string' || typeof at !== 'number') return null;
  // An item that was on its way when the page closed may or may not have arrived: send it again,
  // with the same id, and the server answers with the original ack if it did.
  const item: OutboxItem = {
    id,
    c,
    x,
    at,
    status: status === 'failed' ? 'failed' : 'queued',
    attempts: typeof attempts === 'number' ? attempts : 0,
  };
  if (item.status === 'failed' && typeof error === 'string') item.error = error;
  return item;
}

export interface OutboxOptions {
  now?: () => number;
  newId?: () => string;
}

export class Outbox {
  readonly changes = new Emitter();
  readonly #kv: KeyValue;
  readonly #key: string;
  readonly #now: () => number;
  readonly #newId: () => string;
  #items: OutboxItem[];

  constructor(kv: KeyValue, key: string, options: OutboxOptions = {}) {
    this.#kv = kv;
    this.#key = key;
    this.#now = options.now ?? Date.now;
    // 12 random url-safe characters (72 bits): the key only has to be unique among one sender's
    // messages, and it travels twice with every message (request and ack).
    this.#newId = options.newId ?? (() => randomId(12));
    const stored = readJson(kv, key);
    this.#items = Array.isArray(stored) ? stored.map(readItem).filter((i): i is OutboxItem => i !== null) : [];
  }

  /** Every item, oldest first. */
  list(): readonly OutboxItem[] {
    return this.#items;
  }

  forConversation(c: string): OutboxItem[] {
    return this.#items.filter((i) => i.c === c);
  }

  get(id: string): OutboxItem | undefined {
    return this.#items.find((i) => i.id === id);
  }

  get size(): number {
    return this.#items.length;
  }

  /** Writes a message: stored before anything is sent, so a reload cannot lose it. */
  add(c: string, x: string): OutboxItem {
    const item: OutboxItem = { id: this.#newId(), c, x, at: this.#now(), status: 'queued', attempts: 0 };
    this.#items.push(item);
    this.#save();
    return item;
  }

  /**
   * The item to send now: the oldest queued one — unless `window` are already on their way, or an
   * older queued one must still wait (`retryAt`; see {@link wakeAt}): nothing overtakes it.
   */
  next(window = 1): OutboxItem | null {
    let sending = 0;
    for (const i of this.#items) if (i.status === 'sending') sending++;
    if (sending >= window) return null;
    const head = this.#items.find((i) => i.status === 'queued');
    if (!head) return null;
    return head.retryAt !== undefined && head.retryAt > this.#now() ? null : head;
  }

  /** When the queue should be looked at again (the head's retryAt), or null. */
  wakeAt(): number | null {
    const head = this.#items.find((i) => i.status === 'queued');
    return head?.retryAt ?? null;
  }

  begin(id: string): OutboxItem | undefined {
    const item = this.get(id);
    if (!item || item.status !== 'queued') return undefined;
    item.status = 'sending';
    item.attempts++;
    item.sentAt = this.#now();
    delete item.retryAt;
    this.#save();
    return item;
  }

  /** The server acknowledged it: it leaves the outbox. */
  succeeded(id: string): OutboxItem | undefined {
    const item = this.get(id);
    if (!item) return undefined;
    this.#items = this.#items.filter((i) => i !== item);
    this.#save();
    return item;
  }

  /** An attempt failed: queue it again (after a pause) or mark it failed. */
  failed(id: string, failure: SendFailure): void {
    const item = this.get(id);
    if (!item || item.status !== 'sending') return;
    delete item.sentAt;
    if (failure.kind === 'fail') {
      item.status = 'failed';
      item.error = failure.reason;
    } else {
      item.status = 'queued';
      if (failure.afterMs > 0) item.retryAt = this.#now() + failure.afterMs;
    }
    this.#save();
  }

  /** A new connection is a fresh chance: nothing waits for a timer set on the old one. */
  linkReturned(): void {
    let changed = false;
    for (const item of this.#items)
      if (item.retryAt !== undefined) {
        delete item.retryAt;
        changed = true;
      }
    if (changed) this.#save();
  }

  /** The user asks to send a failed message again: same id, so it can still not be stored twice. */
  retry(id: string): void {
    const item = this.get(id);
    if (!item || item.status !== 'failed') return;
    item.status = 'queued';
    delete item.error;
    delete item.retryAt;
    this.#save();
  }

  /**
   * The user gives up on a message, whatever its state. One that was on its way may still
   * arrive (a copy may have reached the server already): the view says so before asking.
   */
  discard(id: string): OutboxItem | undefined {
    const item = this.get(id);
    if (!item) return undefined;
    this.#items = this.#items.filter((i) => i !== item);
    this.#save();
    return item;
  }

  #save(): void {
    writeJson(this.#kv, this.#key, this.#items);
    this.changes.emit();
  }
}
