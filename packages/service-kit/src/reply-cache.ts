/**
 * The answers a service gave to requests that are not repeatable (creating a room, changing a
 * password, signing in), so that a copy of the same request — a client sends one again, same
 * id and bytes, after a reconnect — gets the first answer instead of being handled twice. A
 * copy that arrives while the first is still being handled waits for it.
 *
 * Bounded three ways, so no client can make a service hold more: entries live `ttlMs`; one
 * client id keeps at most `perClient` (its oldest is forgotten first); all clients together at
 * most `maxEntries`. Answers longer than `maxReplyBytes` are not kept (the actions that are
 * cached answer in a few hundred bytes). Forgetting is safe in one direction only: a copy
 * arriving after its entry is gone is handled again, as it would be without the cache.
 */
export interface ReplyCacheOptions {
  /** Default 5 minutes: far longer than any client keeps resending. */
  ttlMs?: number;
  /** Default 16. */
  perClient?: number;
  /** Default 10,000. */
  maxEntries?: number;
  /** Default 4 KiB. */
  maxReplyBytes?: number;
  now?: () => number;
}

interface Entry {
  clientId: string;
  at: number;
  /** The serialized reply, or the handling still under way (resolves to it, or to null: not kept). */
  reply: string | Promise<string | null>;
}

export class ReplyCache {
  readonly #entries = new Map<string, Entry>();
  /** Each client's keys, oldest first (at most perClient of them). */
  readonly #perClient = new Map<string, string[]>();
  readonly #ttl: number;
  readonly #maxPerClient: number;
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #now: () => number;

  constructor(options: ReplyCacheOptions = {}) {
    this.#ttl = options.ttlMs ?? 5 * 60_000;
    this.#maxPerClient = options.perClient ?? 16;
    this.#max = options.maxEntries ?? 10_000;
    this.#maxBytes = options.maxReplyBytes ?? 4096;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The answer to this request: the remembered one, or `handle()`'s, remembered for copies.
   * `handle` resolves to the serialized reply and whether it may be kept (a transient failure
   * must not be: its copy should be handled again).
   */
  async answer(clientId: string, key: string, handle: () => Promise<{ reply: string; keep: boolean }>): Promise<string> {
    const k = `${clientId}\n${key}`;
    const held = this.#entries.get(k);
    if (held && this.#now() - held.at <= this.#ttl) {
      const reply = await held.reply;
      if (reply !== null) return reply;
    } else if (held) {
      this.#remove(k, held);
    }
    const running = handle();
    const entry: Entry = {
      clientId,
      at: this.#now(),
      reply: running.then(
        (r) => (r.keep ? r.reply : null),
        () => null,
      ),
    };
    this.#add(k, entry);
    try {
      const outcome = await running;
      if (!outcome.keep || outcome.reply.length > this.#maxBytes) this.#remove(k, entry);
      else entry.reply = outcome.reply;
      return outcome.reply;
    } catch (err) {
      this.#remove(k, entry);
      throw err;
    }
  }

  #add(k: string, entry: Entry): void {
    this.#expire();
    const mine = this.#perClient.get(entry.clientId);
    if (mine && mine.length >= this.#maxPerClient) this.#remove(mine[0]!, this.#entries.get(mine[0]!)!);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.entries().next();
      if (!oldest.done) this.#remove(oldest.value[0], oldest.value[1]);
    }
    this.#entries.set(k, entry);
    const keys = this.#perClient.get(entry.clientId);
    if (keys) keys.push(k);
    else this.#perClient.set(entry.clientId, [k]);
  }

  #remove(k: string, entry: Entry): void {
    if (this.#entries.get(k) !== entry) return;
    this.#entries.delete(k);
    const keys = this.#perClient.get(entry.clientId);
    if (!keys) return;
    const i = keys.indexOf(k);
    if (i !== -1) keys.splice(i, 1);
    if (keys.length === 0) this.#perClient.delete(entry.clientId);
  }

  /** Entries are in insertion order, so the expired ones are at the front. */
  #expire(): void {
    const now = this.#now();
    for (const [k, e] of this.#entries) {
      if (now - e.at <= this.#ttl) break;
      this.#remove(k, e);
    }
  }
}
