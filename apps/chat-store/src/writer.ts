import { randomUUID } from 'node:crypto';
import { isTransientDbError, transientDbErrorCode, type Db, type Prisma, type Provider, type SqliteConnection } from '@tidings/db';
import { TidingsError } from '@tidings/protocol';
import { componentLogger, type Logger } from '@tidings/service-kit';
import { BoundedMap } from './bounded-map.js';
import type { ConversationInfo, UserRef } from './directory.js';
import {
  advanceLastSeq,
  advanceReadMarkers,
  insertMentions,
  insertMessages,
  selectStored,
  touchSenders,
  type NewMention,
  type NewMessage,
  type Statement,
} from './batch-sql.js';
import { idReused, isUniqueViolation } from './errors.js';
import { SqliteBatchStatements } from './sqlite-batch.js';

/**
 * The message writer: sequence numbers and group commit.
 *
 * SINGLE WRITER. chat-store is the only process that inserts messages, and it runs as ONE
 * instance. That is what lets it keep each conversation's last sequence number in memory
 * (loaded from the database on first use) instead of reading and locking the conversation row
 * for every message, and what makes its idempotency check race-free. A second instance is
 * detected, not supported: every batch moves `Conversation.lastSeq` only from the value it
 * expects, and `(conversationId, seq)` is unique, so a second writer makes batches fail (and be
 * retried from fresh values) instead of creating holes or duplicates. Scaling chat-store out
 * needs partitioning conversations between instances (e.g. by hash), not more copies of it.
 *
 * GROUP COMMIT. Accepted sends wait in a queue. While a transaction is running, new sends
 * collect; when it ends, everything collected (up to `maxBatch`) is written in the next
 * transaction. An idle writer starts a batch on the next turn of the event loop, so sends that
 * arrived together go together; there is no timer. A send is acknowledged only after its batch
 * committed, so an ack always means "stored" (SQLite runs WAL with synchronous FULL).
 *
 * A FAILED BATCH wrote nothing (one transaction). The writer forgets the cached sequence numbers
 * of the conversations involved (the next write reads them from the database, so a commit whose
 * outcome was unclear is seen as it is) and retries each send of the batch on its own: the bad
 * one fails alone and the others are stored. Sequence numbers are given out only inside the
 * transaction, from the committed value, so a failure can never leave a hole.
 *
 * A DATABASE THAT FAILS FOR A WHILE (isTransientDbError: read-only during a failover, connections
 * cut by a restart, a lock held by another process) fails a batch through no fault of its sends.
 * The writer keeps them — the failed batch back at the head of the queue, new sends behind it —
 * and tries again after a short backoff (`retry.baseMs` doubling up to `retry.maxMs`, jittered),
 * one batch at a time, so a send made during a short outage is simply acknowledged late, under
 * the same guarantees (each attempt is a fresh transaction that first looks for keys already
 * stored). A retry of the same request id meanwhile joins the waiting send. A send that has waited
 * `retry.horizonMs` is answered UNAVAILABLE with a retryAfter (the client sends it again, same
 * id); so is a new send while `maxWaiting` sends wait, so one bad spell cannot grow memory
 * without bound.
 */

export interface SendInput {
  conv: ConversationInfo;
  sender: UserRef;
  /** The chat.send request id: unique per sender, the idempotency key. */
  clientKey: string;
  /** Already trimmed and checked ('' for a room event). */
  text: string;
  /** A room event (RoomEvent as JSON): the entry records a room action instead of a message. */
  event?: string;
  /** Members the message mentions: a Mention row each, in the same transaction. */
  mentions?: readonly UserRef[];
  /**
   * The room action itself (kick, ban, topic…): statements run in the same transaction as the
   * event's row, so the change and its history entry commit together or not at all. A retry of
   * the same request id finds the stored entry and runs nothing again.
   */
  effects?: readonly Statement[];
}

export interface SendOutcome {
  s: number;
  at: number;
  /** True when this was a retry of a send already stored (or being stored): nothing new was written. */
  duplicate: boolean;
}

/** A message just committed, for the live event. */
export interface StoredMessage {
  conv: ConversationInfo;
  sender: UserRef;
  s: number;
  at: number;
  text: string;
  event: string | undefined;
  mentions: readonly UserRef[];
}

export interface WriterOptions {
  prisma: Db;
  /** Raw statements (the batched updates) are spelled per provider. */
  provider: Provider;
  /**
   * On SQLite, Prisma's own connection (`db.sqlite`): batches then run as prepared statements on
   * it. Absent or null: every batch goes through Prisma.
   */
  sqlite?: () => SqliteConnection | null;
  logger: Logger;
  now: () => number;
  maxBatch: number;
  /** Acks remembered for retries (beyond it, a retry is answered from the database). */
  recentAcks: number;
  /** Conversations whose last sequence number is kept in memory. */
  cacheSize: number;
  /** Called for every message once its batch committed, in sequence order, before its ack. */
  onStored: (message: StoredMessage) => void;
  /** Sends waiting to be stored at most (queued, or in the batch being written); past it new sends get UNAVAILABLE. */
  maxWaiting: number;
  /** How a send waits for a database that fails transiently (see the class comment). */
  retry: RetryPolicy;
  /** Random source in [0, 1) for the backoff's jitter (default Math.random). */
  random?: () => number;
}

export interface RetryPolicy {
  /** How long a send may wait for the database before it is answered UNAVAILABLE (0: not at all). */
  horizonMs: number;
  /** The first pause after a transient failure; it doubles with each failure in a row… */
  baseMs: number;
  /** …up to this. */
  maxMs: number;
}

/** Seconds a client is told to wait before sending again when the writer could not store its send. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

interface KnownAck {
  conversationId: string;
  s: number;
  at: number;
}

interface Entry extends SendInput {
  key: string;
  /** performance.now() after which a transient failure answers this send UNAVAILABLE. */
  until: number;
  promise: Promise<SendOutcome>;
  resolve: (outcome: SendOutcome) => void;
  reject: (err: unknown) => void;
}

type Tx = Prisma.TransactionClient;

/** Tries of one send whose batch lost a race with another writer. */
const MAX_ATTEMPTS = 4;

/** Thrown inside a batch when `Conversation.lastSeq` is not what this writer last committed. */
class SequenceMoved extends Error {
  constructor(readonly conversationIds: string[]) {
    super(`lastSeq moved under chat-store in ${conversationIds.join(', ')} (is a second instance running?)`);
  }
}

function keyOf(senderId: string, clientKey: string): string {
  return `${senderId}\u0000${clientKey}`;
}

/** A batch (or the rest of one) that the database failed transiently: its sends are not settled. */
interface Unsettled {
  entries: Entry[];
  err: unknown;
}

/** A spell of transient database failures, from the first failure to the next commit. */
interface Outage {
  since: number;
  failures: number;
  loggedAt: number;
  /** Sends answered UNAVAILABLE in it (waited too long, or too many waiting). */
  refused: number;
}

/** How often a continuing outage is logged again. */
const OUTAGE_LOG_EVERY_MS = 5000;

export class MessageWriter {
  readonly #o: WriterOptions;
  readonly #logger: Logger;
  /** Conversation id → last committed sequence number (only ever set from committed values). */
  readonly #lastSeq: BoundedMap<string, number>;
  readonly #recent: BoundedMap<string, KnownAck>;
  /** Sends queued or in the running batch, by key: a concurrent duplicate joins the first. */
  readonly #pending = new Map<string, Entry>();
  #queue: Entry[] = [];
  #draining: Promise<void> | null = null;
  #scheduled = false;
  #batches = 0;
  #statements: SqliteBatchStatements | undefined;
  #outage: Outage | null = null;
  /** Set by stopWaiting: a failing database no longer holds sends (and the stop) up. */
  #stopping = false;
  /** Ends the current backoff pause early (stopWaiting). */
  #wake: (() => void) | null = null;

  constructor(options: WriterOptions) {
    this.#o = options;
    this.#logger = componentLogger(options.logger, 'writer');
    this.#lastSeq = new BoundedMap(options.cacheSize);
    this.#recent = new BoundedMap(options.recentAcks);
  }

  /** Batches committed so far (diagnostics). */
  get batches(): number {
    return this.#batches;
  }

  /**
   * The outcome of a send with this key that is remembered or under way, without touching the
   * database; undefined when nothing is known here (it may still be stored: see {@link findStored}).
   */
  known(senderId: string, clientKey: string): { conversationId: string; outcome: () => Promise<SendOutcome> } | undefined {
    const key = keyOf(senderId, clientKey);
    const ack = this.#recent.get(key);
    if (ack) return { conversationId: ack.conversationId, outcome: async () => ({ s: ack.s, at: ack.at, duplicate: true }) };
    const entry = this.#pending.get(key);
    // A function, so no promise is made (and left to reject unobserved) unless the caller waits on it.
    if (entry) return { conversationId: entry.conv.id, outcome: async () => ({ ...(await entry.promise), duplicate: true }) };
    return undefined;
  }

  /** A stored send with this key, from the database. */
  async findStored(senderId: string, clientKey: string): Promise<KnownAck | null> {
    const row = await this.#o.prisma.message.findUnique({
      where: { senderId_clientKey: { senderId, clientKey } },
      select: { conversationId: true, seq: true, createdAt: true },
    });
    if (!row) return null;
    const ack = { conversationId: row.conversationId, s: row.seq, at: row.createdAt.getTime() };
    this.#recent.set(keyOf(senderId, clientKey), ack);
    return ack;
  }

  /**
   * Stores a message (in the next batch) and resolves with its ack once committed. A send whose
   * key is already known resolves with the first ack (`duplicate: true`) or, when that went to
   * another conversation, fails with CONFLICT.
   */
  submit(input: SendInput): Promise<SendOutcome> {
    const known = this.known(input.sender.id, input.clientKey);
    if (known) return known.conversationId === input.conv.id ? known.outcome() : Promise.reject(idReused());
    if (this.#pending.size >= this.#o.maxWaiting) {
      if (this.#outage) this.#outage.refused += 1;
      else this.#logger.warn({ waiting: this.#pending.size }, 'too many sends wait to be stored: answering UNAVAILABLE');
      return Promise.reject(unavailable('too many messages are waiting to be stored'));
    }
    let resolve!: (outcome: SendOutcome) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<SendOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const until = performance.now() + this.#o.retry.horizonMs;
    const entry: Entry = { ...input, key: keyOf(input.sender.id, input.clientKey), until, promise, resolve, reject };
    this.#pending.set(entry.key, entry);
    this.#queue.push(entry);
    this.#schedule();
    return promise;
  }

  /** The last committed sequence number of a conversation. */
  async lastSeq(conversationId: string): Promise<number> {
    const cached = this.#lastSeq.get(conversationId);
    if (cached !== undefined) return cached;
    // Not cached from here: only the writer sets the cache, from values it read inside its transaction.
    const row = await this.#o.prisma.conversation.findUnique({ where: { id: conversationId }, select: { lastSeq: true } });
    return row?.lastSeq ?? 0;
  }

  /** Resolves when every send submitted so far is settled. */
  async drain(): Promise<void> {
    while (this.#draining || this.#queue.length > 0) await (this.#draining ?? this.#run());
  }

  /**
   * For a stop: from now on a transient database failure answers the sends it hits UNAVAILABLE at
   * once instead of waiting (the clients send them again, same id, to the next chat-store). A
   * database that works is not affected: drain() still stores everything accepted.
   */
  stopWaiting(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  /** Sends accepted and not settled yet (diagnostics and tests). */
  get waiting(): number {
    return this.#pending.size;
  }

  #schedule(): void {
    if (this.#draining || this.#scheduled) return;
    this.#scheduled = true;
    // Let the sends that arrived in this turn of the event loop join the first batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }

  #run(): Promise<void> {
    if (this.#draining) return this.#draining;
    this.#draining = (async () => {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#o.maxBatch);
        const failed = await this.#writeBatch(batch);
        if (failed) await this.#waitForDatabase(failed);
      }
    })().finally(() => {
      this.#draining = null;
      if (this.#queue.length > 0) this.#schedule();
    });
    return this.#draining;
  }

  /**
   * Writes one batch in one transaction and settles every entry of it — except, when the database
   * failed transiently, the entries it returns (for the caller to retry). Never throws.
   */
  async #writeBatch(batch: Entry[], attempt = 0): Promise<Unsettled | null> {
    const at = this.#o.now();
    let result: BatchResult;
    try {
      const sqlite = this.#sqliteStatements();
      if (sqlite) {
        // Not inside another handler's Prisma transaction (e.g. room.join's) on this connection:
        // the check and the whole batch, start to commit, run in one synchronous stretch.
        while (sqlite.connection.inTransaction) await new Promise((resolve) => setImmediate(resolve));
        result = sqlite.connection.transaction(() => this.#writeSqlite(sqlite, batch, at)).immediate();
      } else {
        result = await this.#o.prisma.$transaction((tx) => this.#writePrisma(tx, batch, at), { maxWait: 10_000, timeout: 30_000 });
      }
    } catch (err) {
      // A retry reads these inside its own transaction (a commit whose outcome was unclear is seen as it is).
      for (const e of batch) this.#lastSeq.delete(e.conv.id);
      if (isTransientDbError(err)) return { entries: batch, err };
      return this.#recover(batch, err, attempt);
    }
    if (this.#outage) this.#databaseBack();
    this.#batches += 1;
    for (const [conversationId, s] of result.last) this.#lastSeq.set(conversationId, s);
    for (const entry of batch) {
      const earlier = result.stored.get(entry.key);
      if (earlier) this.#settleKnown(entry, earlier);
    }
    for (const entry of result.fresh) {
      const s = result.seqs.get(entry)!;
      const ack: KnownAck = { conversationId: entry.conv.id, s, at };
      this.#recent.set(entry.key, ack);
      this.#pending.delete(entry.key);
      try {
        this.#o.onStored({ conv: entry.conv, sender: entry.sender, s, at, text: entry.text, event: entry.event, mentions: entry.mentions ?? [] });
      } catch (err) {
        this.#logger.error({ err }, 'onStored failed');
      }
      entry.resolve({ s, at, duplicate: false });
    }
    return null;
  }

  /**
   * After a transient failure: answers UNAVAILABLE to every waiting send whose time is up (all of
   * them once stopping), puts the rest back in order — the failed ones first — and pauses before
   * the next try.
   */
  async #waitForDatabase(failed: Unsettled): Promise<void> {
    const now = performance.now();
    const dbError = transientDbErrorCode(failed.err);
    let outage = this.#outage;
    if (!outage) {
      outage = this.#outage = { since: now, failures: 0, loggedAt: now, refused: 0 };
      this.#logger.warn(
        { dbError, err: failed.err, waiting: this.#pending.size, retryForMs: this.#o.retry.horizonMs },
        'the database failed (transient): keeping the sends and trying again',
      );
    } else if (now - outage.loggedAt >= OUTAGE_LOG_EVERY_MS) {
      outage.loggedAt = now;
      this.#logger.warn(
        { dbError, waiting: this.#pending.size, failures: outage.failures, ms: Math.round(now - outage.since) },
        'the database is still unavailable',
      );
    }
    outage.failures += 1;
    const keep: Entry[] = [];
    const expired: Entry[] = [];
    for (const e of [...failed.entries, ...this.#queue]) (this.#stopping || now >= e.until ? expired : keep).push(e);
    this.#queue = keep;
    if (expired.length > 0) {
      outage.refused += expired.length;
      this.#logger.warn({ dbError, sends: expired.length, stopping: this.#stopping }, 'sends waited for the database too long: answered UNAVAILABLE');
      for (const e of expired) {
        this.#pending.delete(e.key);
        e.reject(unavailable('the database did not come back in time'));
      }
    }
    if (keep.length === 0) return;
    const { baseMs, maxMs } = this.#o.retry;
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(outage.failures - 1, 30));
    const pause = ceiling / 2 + ((this.#o.random ?? Math.random)() * ceiling) / 2;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pause);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = null;
  }

  #databaseBack(): void {
    const outage = this.#outage!;
    this.#outage = null;
    this.#logger.warn(
      { ms: Math.round(performance.now() - outage.since), failures: outage.failures, waiting: this.#pending.size, refused: outage.refused },
      'the database is back: storing the waiting sends',
    );
  }

  /** On SQLite, the batch statements prepared on Prisma's own connection; null on PostgreSQL. */
  #sqliteStatements(): SqliteBatchStatements | null {
    const connection = this.#o.sqlite?.() ?? null;
    if (!connection) return null;
    if (this.#statements?.connection !== connection) this.#statements = new SqliteBatchStatements(connection);
    return this.#statements;
  }

  /** The batch through Prisma, in an interactive transaction (PostgreSQL). */
  async #writePrisma(tx: Tx, batch: Entry[], at: number): Promise<BatchResult> {
    const provider = this.#o.provider;
    const run = (st: Statement) => tx.$executeRawUnsafe(st.sql, ...st.values);

    // 1. Keys stored before (a retry after a restart, or a batch whose commit looked failed).
    const check = selectStored(
      provider,
      batch.map((e) => ({ senderId: e.sender.id, clientKey: e.clientKey })),
    );
    const found = await tx.$queryRawUnsafe<{ id: string; senderId: string; clientKey: string; conversationId: string; seq: number | bigint }[]>(
      check.sql,
      ...check.values,
    );
    const stored = new Map<string, KnownAck>();
    if (found.length > 0) {
      // Rare: read their times through Prisma, which decodes dates the same way on both providers.
      const times = await tx.message.findMany({ where: { id: { in: found.map((r) => r.id) } }, select: { id: true, createdAt: true } });
      const timeOf = new Map(times.map((t) => [t.id, t.createdAt.getTime()]));
      for (const r of found) stored.set(keyOf(r.senderId, r.clientKey), { conversationId: r.conversationId, s: Number(r.seq), at: timeOf.get(r.id) ?? 0 });
    }
    const fresh = batch.filter((e) => !stored.has(e.key));
    if (fresh.length === 0) return { stored, fresh, seqs: new Map(), last: new Map() };

    // 2. Sequence numbers, from the committed values (read here when not cached).
    const base = this.#cachedSeqs(fresh);
    const unknown = [...base].filter(([, s]) => s === undefined).map(([id]) => id);
    if (unknown.length > 0) {
      const convs = await tx.conversation.findMany({ where: { id: { in: unknown } }, select: { id: true, lastSeq: true } });
      for (const id of unknown) base.set(id, 0);
      for (const c of convs) base.set(c.id, c.lastSeq);
    }
    const plan = planBatch(fresh, base as Map<string, number>, at);

    // 3. The writes: the same few statements whatever the size of the batch.
    await run(insertMessages(provider, plan.rows));
    for (const st of insertMentions(provider, plan.mentions)) await run(st);
    for (const st of plan.effects) await run(st);
    // Only from the values this writer committed: anything else means a second writer.
    if ((await run(advanceLastSeq(provider, plan.moves))) !== plan.moves.length) throw new SequenceMoved(plan.moves.map((m) => m.id));
    // The sender has read up to their own message (never backwards).
    await run(advanceReadMarkers(provider, plan.readUpTo));
    if (plan.senders.length > 0) await run(touchSenders(provider, plan.senders, plan.createdAt));
    return { stored, fresh, seqs: plan.seqs, last: plan.last };
  }

  /** The same batch on SQLite: prepared statements, run synchronously inside one transaction. */
  #writeSqlite(st: SqliteBatchStatements, batch: Entry[], at: number): BatchResult {
    const stored = new Map<string, KnownAck>();
    for (const e of batch) {
      const earlier = st.stored(e.sender.id, e.clientKey);
      if (earlier) stored.set(e.key, earlier);
    }
    const fresh = batch.filter((e) => !stored.has(e.key));
    if (fresh.length === 0) return { stored, fresh, seqs: new Map(), last: new Map() };
    const base = this.#cachedSeqs(fresh);
    for (const [id, s] of base) if (s === undefined) base.set(id, st.lastSeq(id));
    const plan = planBatch(fresh, base as Map<string, number>, at);
    for (const row of plan.rows) st.insert(row);
    for (const mention of plan.mentions) st.mention(mention);
    for (const effect of plan.effects) st.run(effect);
    const moved = plan.moves.filter((m) => !st.advance(m));
    if (moved.length > 0) throw new SequenceMoved(moved.map((m) => m.id));
    for (const mark of plan.readUpTo) st.readUpTo(mark);
    for (const userId of plan.senders) st.touch(userId, plan.createdAt);
    return { stored, fresh, seqs: plan.seqs, last: plan.last };
  }

  /** Each conversation of the batch with its cached last sequence number (undefined: not cached). */
  #cachedSeqs(fresh: Entry[]): Map<string, number | undefined> {
    const base = new Map<string, number | undefined>();
    for (const e of fresh) if (!base.has(e.conv.id)) base.set(e.conv.id, this.#lastSeq.get(e.conv.id));
    return base;
  }

  #settleKnown(entry: Entry, ack: KnownAck): void {
    this.#recent.set(entry.key, ack);
    this.#pending.delete(entry.key);
    if (ack.conversationId === entry.conv.id) entry.resolve({ s: ack.s, at: ack.at, duplicate: true });
    else entry.reject(idReused());
  }

  /**
   * After a failed batch: forget the sequence numbers involved (a retry reads them inside its own
   * transaction), then retry each send on its own, so a bad one fails alone. Races with another
   * writer (unique violations, a moved lastSeq) are retried a few times: the retry's own check
   * finds a key the other writer stored. Anything else fails on its second try.
   */
  async #recover(batch: Entry[], err: unknown, attempt: number): Promise<Unsettled | null> {
    if (err instanceof SequenceMoved) {
      this.#logger.error({ conversationIds: err.conversationIds }, 'a conversation’s lastSeq moved under chat-store: run exactly one chat-store instance');
    }
    const race = err instanceof SequenceMoved || isUniqueViolation(err);
    if (attempt === 0 || (race && attempt < MAX_ATTEMPTS)) {
      if (batch.length > 1) this.#logger.warn({ err, size: batch.length }, 'a batch failed: storing its messages one by one');
      for (const [i, entry] of batch.entries()) {
        // The database may fail transiently meanwhile: what is left of the batch then waits for it.
        const failed = await this.#writeBatch([entry], attempt + 1);
        if (failed) return { entries: batch.slice(i), err: failed.err };
      }
      return null;
    }
    for (const entry of batch) {
      this.#logger.error({ err, conversationId: entry.conv.id, sender: entry.sender.username }, 'could not store a message');
      this.#pending.delete(entry.key);
      entry.reject(err);
    }
    return null;
  }
}

/** A send the writer could not store now: the client sends it again, with the same id, after retryAfter. */
function unavailable(why: string): TidingsError {
  return new TidingsError('UNAVAILABLE', `${why}: send the message again, with the same id`, { retryAfter: UNAVAILABLE_RETRY_AFTER_S });
}

interface BatchResult {
  stored: Map<string, KnownAck>;
  fresh: Entry[];
  seqs: Map<Entry, number>;
  last: Map<string, number>;
}

/** What a batch writes, given each conversation's committed last sequence number. */
function planBatch(fresh: Entry[], base: Map<string, number>, at: number) {
  const createdAt = new Date(at);
  const seqs = new Map<Entry, number>();
  const last = new Map<string, number>();
  const readUpTo = new Map<string, { conversationId: string; userId: string; s: number }>();
  const mentions: NewMention[] = [];
  const rows: NewMessage[] = fresh.map((e) => {
    const s = (last.get(e.conv.id) ?? base.get(e.conv.id)!) + 1;
    last.set(e.conv.id, s);
    seqs.set(e, s);
    readUpTo.set(`${e.conv.id} ${e.sender.id}`, { conversationId: e.conv.id, userId: e.sender.id, s });
    const id = randomUUID();
    for (const user of e.mentions ?? []) mentions.push({ messageId: id, userId: user.id, conversationId: e.conv.id, seq: s });
    return { id, conversationId: e.conv.id, seq: s, senderId: e.sender.id, clientKey: e.clientKey, text: e.text, createdAt, event: e.event ?? null };
  });
  return {
    createdAt,
    rows,
    seqs,
    last,
    moves: [...last].map(([id, to]) => ({ id, from: base.get(id)!, to })),
    readUpTo: [...readUpTo.values()],
    mentions,
    effects: fresh.flatMap((e) => e.effects ?? []),
    // lastMessageAt is the time of a user's last message; a room action is not one.
    senders: [...new Set(fresh.filter((e) => e.event === undefined).map((e) => e.sender.id))],
  };
}
