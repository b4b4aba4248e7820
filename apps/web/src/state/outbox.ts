import { backoffDelay, randomId } from '@tidings/client';
import { isTidingsError } from '@tidings/protocol';
import { Emitter } from './emitter.js';
import { isRecord, readJson, writeJson, type KeyValue } from './storage.js';

/**
 * Messages written but not yet acknowledged, kept in storage so they survive a reload.
 *
 * Each message gets its id once, when it is written; that id is the `chat.send` request id and
 * therefore the server's idempotency key. Every attempt — after a timeout, a dropped link or a
 * reload — resends the same id, so the server stores the message once and answers every retry
 * with the first ack. Items go out one at a time, oldest first, so a conversation keeps the
 * order they were written in.
 *
 *   queued ──begin──▶ sending ──ack──▶ (removed: the message is in the conversation now)
 *     ▲                 │
 *     └──── retry ◀─────┤ link lost / timeout / rate limited / service unavailable
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
    if (err.code === 'RATE_LIMITED') return { kind: 'retry', afterMs: Math.max(1, err.retryAfter ?? 1) * 1000, reason: err.message };
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
   * The item to send now: the oldest queued one — unless one is already on its way (one at a
   * time keeps the order) or the oldest must still wait (`retryAt`; see {@link wakeAt}).
   */
  next(): OutboxItem | null {
    if (this.#items.some((i) => i.status === 'sending')) return null;
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
    if (failure.kind === 'fail') {
      item.status = 'failed';
      item.error = failure.reason;
    } else {
      item.status = 'queued';
      if (failure.afterMs > 0) item.retryAt = this.#now() + failure.afterMs;
    }
    this.#save();
  }

  /** The link dropped: whatever was on its way goes back to the queue (same id), to be sent again at once. */
  requeueInFlight(): void {
    let changed = false;
    for (const item of this.#items)
      if (item.status === 'sending') {
        item.status = 'queued';
        changed = true;
      }
    // a new connection is a fresh chance: do not make the head wait for a timer set on the old one
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

  discard(id: string): void {
    const before = this.#items.length;
    this.#items = this.#items.filter((i) => i.id !== id || i.status === 'sending');
    if (this.#items.length !== before) this.#save();
  }

  #save(): void {
    writeJson(this.#kv, this.#key, this.#items);
    this.changes.emit();
  }
}
