import type { Database } from '@tidings/db';
import type { Logger } from '@tidings/service-kit';

/** What one user's row should say: online, and when the last device went away. */
export interface PresenceWrite {
  online: boolean;
  lastSeenAt?: Date;
}

export interface PresenceWriterSettings {
  flushDelayMs: number;
  retryDelayMs: number;
}

/**
 * Gathers presence changes and writes them to `User.online` / `User.lastSeenAt` together, a
 * short while after the first one: a crowd reconnecting costs one transaction, not one write
 * each. A later change of the same user replaces an earlier one still waiting. A failed write
 * is kept and tried again; `close()` writes what is left.
 */
export class PresenceWriter {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #settings: PresenceWriterSettings;
  #pending = new Map<string, PresenceWrite>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(db: Database, logger: Logger, settings: PresenceWriterSettings) {
    this.#db = db;
    this.#logger = logger;
    this.#settings = settings;
  }

  /** Queues the row of `username` to say `write` (no row: nothing happens). */
  set(username: string, write: PresenceWrite): void {
    const earlier = this.#pending.get(username);
    // Coming online keeps the last-seen time a moment earlier going offline set.
    this.#pending.set(username, earlier ? { ...earlier, ...write } : write);
    this.#schedule(this.#settings.flushDelayMs);
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Writes everything queued now; resolves when it is written (or has failed and been re-queued). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    if (this.#pending.size > 0) this.#logger.error({ users: this.#pending.size }, 'could not write the last presence changes');
  }

  #schedule(ms: number): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, ms);
    this.#timer.unref();
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    const prisma = this.#db.prisma;
    try {
      // updateMany: a user deleted meanwhile is no error, just no row.
      await prisma.$transaction([...batch].map(([username, data]) => prisma.user.updateMany({ where: { username }, data })));
      this.#logger.debug({ users: batch.size }, 'presence written');
    } catch (err) {
      this.#logger.warn({ err, users: batch.size }, 'could not write presence; will retry');
      for (const [username, write] of batch) {
        const newer = this.#pending.get(username);
        this.#pending.set(username, newer ? { ...write, ...newer } : write);
      }
      if (!this.#closed) this.#schedule(this.#settings.retryDelayMs);
    }
  }
}
