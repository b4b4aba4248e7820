import type { Provider } from '@tidings/db';
import { sqliteTime } from './sqlite-time.js';

/**
 * The raw statements of one message batch. Prisma costs about a millisecond of CPU per statement
 * and per-row work in createMany, so a batch is written with a fixed number of plain statements
 * whatever its size. They are spelled for both providers (only the placeholders differ:
 * `?` on SQLite, `$1, $2…` on PostgreSQL) and take every value as a parameter.
 */
export interface Statement {
  sql: string;
  values: unknown[];
}

export class Params {
  readonly values: unknown[] = [];
  constructor(readonly provider: Provider) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.provider === 'sqlite' ? '?' : `$${this.values.length}`;
  }

  /** A time, as each provider's Prisma adapter stores it (SQLite: ISO 8601 text with `+00:00`). */
  time(value: Date): string {
    return this.add(this.provider === 'sqlite' ? sqliteTime(value) : value);
  }

  /** An integer parameter: PostgreSQL cannot infer the type of a bare `$n` in a CASE. */
  int(value: number): string {
    return `CAST(${this.add(value)} AS INTEGER)`;
  }
}

/** The messages already stored under any of these (sender, client key) pairs. */
export function selectStored(provider: Provider, keys: readonly { senderId: string; clientKey: string }[]): Statement {
  const p = new Params(provider);
  const where = keys.map((k) => `("senderId" = ${p.add(k.senderId)} AND "clientKey" = ${p.add(k.clientKey)})`).join(' OR ');
  return { sql: `SELECT "id", "senderId", "clientKey", "conversationId", "seq" FROM "Message" WHERE ${where}`, values: p.values };
}

export interface NewMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientKey: string;
  text: string;
  createdAt: Date;
  /** A room event (RoomEvent as JSON); null for a message. */
  event: string | null;
}

/** A member mentioned in a message: written with it. */
export interface NewMention {
  messageId: string;
  userId: string;
  conversationId: string;
  seq: number;
}

export function insertMessages(provider: Provider, rows: readonly NewMessage[]): Statement {
  const p = new Params(provider);
  const values = rows
    .map(
      (r) =>
        `(${p.add(r.id)}, ${p.add(r.conversationId)}, ${p.int(r.seq)}, ${p.add(r.senderId)}, ${p.add(r.clientKey)}, ${p.add(r.text)}, ${p.add(r.createdAt)}, 0, ${p.add(r.event)})`,
    )
    .join(', ');
  return {
    sql: `INSERT INTO "Message" ("id", "conversationId", "seq", "senderId", "clientKey", "text", "createdAt", "likeCount", "event") VALUES ${values}`,
    values: p.values,
  };
}

/** Mention rows per statement: 4 parameters each, far below both providers' limits. */
const MENTIONS_PER_STATEMENT = 1000;

/** The mentions of a batch, in as few statements as the parameter limits allow (none when empty). */
export function insertMentions(provider: Provider, rows: readonly NewMention[]): Statement[] {
  const statements: Statement[] = [];
  for (let i = 0; i < rows.length; i += MENTIONS_PER_STATEMENT) {
    const p = new Params(provider);
    const values = rows
      .slice(i, i + MENTIONS_PER_STATEMENT)
      .map((r) => `(${p.add(r.messageId)}, ${p.add(r.userId)}, ${p.add(r.conversationId)}, ${p.int(r.seq)})`)
      .join(', ');
    statements.push({ sql: `INSERT INTO "Mention" ("messageId", "userId", "conversationId", "seq") VALUES ${values}`, values: p.values });
  }
  return statements;
}

/**
 * Moves each conversation's lastSeq from the value the writer committed (`from`) to `to`. It
 * changes fewer rows than there are conversations when another writer moved one meanwhile.
 */
export function advanceLastSeq(provider: Provider, moves: readonly { id: string; from: number; to: number }[]): Statement {
  const p = new Params(provider);
  const cases = moves.map((m) => `WHEN ${p.add(m.id)} THEN ${p.int(m.to)}`).join(' ');
  const where = moves.map((m) => `("id" = ${p.add(m.id)} AND "lastSeq" = ${p.int(m.from)})`).join(' OR ');
  return { sql: `UPDATE "Conversation" SET "lastSeq" = CASE "id" ${cases} ELSE "lastSeq" END WHERE ${where}`, values: p.values };
}

/** Moves read markers forward to `s` (never back). */
export function advanceReadMarkers(provider: Provider, marks: readonly { conversationId: string; userId: string; s: number }[]): Statement {
  const p = new Params(provider);
  const cases = marks.map((m) => `WHEN "conversationId" = ${p.add(m.conversationId)} AND "userId" = ${p.add(m.userId)} THEN ${p.int(m.s)}`).join(' ');
  const where = marks
    .map((m) => `("conversationId" = ${p.add(m.conversationId)} AND "userId" = ${p.add(m.userId)} AND "lastReadSeq" < ${p.int(m.s)})`)
    .join(' OR ');
  return { sql: `UPDATE "Membership" SET "lastReadSeq" = CASE ${cases} ELSE "lastReadSeq" END WHERE ${where}`, values: p.values };
}

export function touchSenders(provider: Provider, userIds: readonly string[], at: Date): Statement {
  const p = new Params(provider);
  const time = p.add(at);
  return { sql: `UPDATE "User" SET "lastMessageAt" = ${time} WHERE "id" IN (${userIds.map((id) => p.add(id)).join(', ')})`, values: p.values };
}
