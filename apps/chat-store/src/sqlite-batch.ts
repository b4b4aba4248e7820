import type { SqliteConnection } from '@tidings/db';
import type { NewMention, NewMessage, Statement } from './batch-sql.js';
import { sqliteTime } from './sqlite-time.js';

/**
 * The statements of one message batch on SQLite, prepared once on the connection Prisma uses
 * (`db.sqlite()`) and run synchronously in one transaction. Through Prisma the same batch cost
 * about a millisecond of CPU per statement (its query compiler, a fresh `prepare` of a
 * many-row statement every time, BigInt decoding): measured in docs/benchmarks.md. Row by row
 * with prepared statements is cheaper than one big statement here: SQLite runs each in
 * microseconds and nothing is parsed again.
 *
 * Values are written exactly as Prisma writes them (DateTime as ISO 8601 with `+00:00`), so
 * Prisma reads these rows back unchanged; the writer's tests run both paths.
 */
export class SqliteBatchStatements {
  readonly #stored;
  readonly #lastSeq;
  readonly #insert;
  readonly #mention;
  readonly #advance;
  readonly #readMarker;
  readonly #touch;

  constructor(readonly connection: SqliteConnection) {
    this.#stored = connection
      .prepare<[string, string], { conversationId: string; seq: number; createdAt: string | number }>(
        'SELECT "conversationId", "seq", "createdAt" FROM "Message" WHERE "senderId" = ? AND "clientKey" = ?',
      )
      .safeIntegers(false);
    this.#lastSeq = connection.prepare<[string], number>('SELECT "lastSeq" FROM "Conversation" WHERE "id" = ?').pluck().safeIntegers(false);
    this.#insert = connection.prepare(
      'INSERT INTO "Message" ("id", "conversationId", "seq", "senderId", "clientKey", "text", "createdAt", "likeCount", "event") VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)',
    );
    this.#mention = connection.prepare('INSERT INTO "Mention" ("messageId", "userId", "conversationId", "seq") VALUES (?, ?, ?, ?)');
    this.#advance = connection.prepare('UPDATE "Conversation" SET "lastSeq" = ? WHERE "id" = ? AND "lastSeq" = ?');
    this.#readMarker = connection.prepare('UPDATE "Membership" SET "lastReadSeq" = ? WHERE "conversationId" = ? AND "userId" = ? AND "lastReadSeq" < ?');
    this.#touch = connection.prepare('UPDATE "User" SET "lastMessageAt" = ? WHERE "id" = ?');
  }

  /** The message stored under this (sender, client key), if any. */
  stored(senderId: string, clientKey: string): { conversationId: string; s: number; at: number } | undefined {
    const row = this.#stored.get(senderId, clientKey);
    if (!row) return undefined;
    return { conversationId: row.conversationId, s: row.seq, at: typeof row.createdAt === 'number' ? row.createdAt : Date.parse(row.createdAt) };
  }

  /** A conversation's committed last sequence number (0 for an unknown id). */
  lastSeq(conversationId: string): number {
    return this.#lastSeq.get(conversationId) ?? 0;
  }

  insert(row: NewMessage): void {
    this.#insert.run(row.id, row.conversationId, row.seq, row.senderId, row.clientKey, row.text, sqliteTime(row.createdAt), row.event);
  }

  mention(row: NewMention): void {
    this.#mention.run(row.messageId, row.userId, row.conversationId, row.seq);
  }

  /** A statement of a room action (rare: prepared each time). */
  run(statement: Statement): void {
    this.connection.prepare(statement.sql).run(...statement.values);
  }

  /** Moves lastSeq from `from` to `to`; false when it was not `from` (another writer moved it). */
  advance(move: { id: string; from: number; to: number }): boolean {
    return this.#advance.run(move.to, move.id, move.from).changes === 1;
  }

  readUpTo(mark: { conversationId: string; userId: string; s: number }): void {
    this.#readMarker.run(mark.s, mark.conversationId, mark.userId, mark.s);
  }

  touch(userId: string, at: Date): void {
    this.#touch.run(sqliteTime(at), userId);
  }
}

export { sqliteTime };
