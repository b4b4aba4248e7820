import { TidingsError } from '@tidings/protocol';
import { msOf } from './wire.js';

/**
 * The SQL of chat.search, for SQLite (FTS5) and PostgreSQL (tsvector), in four variants each:
 * every conversation of the caller or one (`one`), from the newest hit or below a cursor
 * (`before`). Written out per variant rather than with `? IS NULL OR …`, so each statement's plan
 * uses what it can.
 *
 * Only messages: deleted ones and room events (Message.event, empty text anyway) are never hits.
 * Only the caller's conversations: the Membership join, so a private room one left or was removed
 * from is gone from search at once.
 *
 * The caller's words are never query syntax: each is a run of letters, digits and marks
 * (searchWords), put in double quotes for FTS5 (`"word"*`: a word starting with it) and in single
 * quotes for to_tsquery (`'word':*`), where nothing inside can end the quote.
 */
export type SearchVariant = 'all' | 'all-before' | 'one' | 'one-before';
export const SEARCH_VARIANTS: readonly SearchVariant[] = ['all', 'all-before', 'one', 'one-before'];

export interface SearchParams {
  caller: string;
  words: string[];
  conversationId?: string | undefined;
  before?: string | undefined;
  take: number;
}

const BAD_CURSOR = 'before: not a cursor of this search (send the `next` of the previous page)';

/** `"w1"* "w2"*`: every word, as a word or the start of one (FTS5's implicit AND). */
export function ftsQuery(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
}

/** `'w1':* & 'w2':*` for to_tsquery('simple', …). */
export function tsQuery(words: readonly string[]): string {
  return words.map((w) => `'${w.replaceAll("'", "''").replaceAll('\\', '\\\\')}':*`).join(' & ');
}

/**
 * SQLite: the index is read newest first (by rowid, the order messages were stored, descending),
 * and each candidate is kept when the caller is a member of its conversation. CROSS JOIN keeps
 * that order of the loops: FTS5 drives, never a scan of every message of the caller's rooms. The
 * cursor is the rowid of the last hit. Columns in order (the prepared path reads them by
 * position): seq, username, text, createdAt, editedAt, kind, name, dmKey, cursor.
 */
export function sqliteSearchSql(variant: SearchVariant): string {
  const one = variant.startsWith('one');
  const before = variant.endsWith('before');
  return `SELECT m."seq" AS "seq", u."username" AS "username", m."text" AS "text", m."createdAt" AS "createdAt",
      m."editedAt" AS "editedAt", c."kind" AS "kind", c."name" AS "name", c."dmKey" AS "dmKey", f."rowid" AS "cursor"
    FROM "MessageSearch" f
      CROSS JOIN "Message" m ON m."rowid" = f."rowid"
      CROSS JOIN "Membership" mb ON mb."conversationId" = m."conversationId"
        AND mb."userId" = (SELECT me."id" FROM "User" me WHERE me."username" = ?)
      CROSS JOIN "Conversation" c ON c."id" = m."conversationId"
      CROSS JOIN "User" u ON u."id" = m."senderId"
    WHERE "MessageSearch" MATCH ?${before ? ' AND f."rowid" < ?' : ''} AND m."deletedAt" IS NULL AND m."event" IS NULL${one ? ' AND m."conversationId" = ?' : ''}
    ORDER BY f."rowid" DESC
    LIMIT ?`;
}

export function sqliteSearchParams(q: SearchParams): { variant: SearchVariant; params: (string | number)[] } {
  const params: (string | number)[] = [q.caller, ftsQuery(q.words)];
  if (q.before !== undefined) {
    if (!/^[1-9]\d{0,15}$/.test(q.before)) throw new TidingsError('BAD_REQUEST', BAD_CURSOR);
    params.push(Number(q.before));
  }
  if (q.conversationId !== undefined) params.push(q.conversationId);
  params.push(q.take);
  const variant = `${q.conversationId === undefined ? 'all' : 'one'}${q.before === undefined ? '' : '-before'}` as SearchVariant;
  return { variant, params };
}

/**
 * PostgreSQL: the GIN index finds the matching messages (a CTE, MATERIALIZED: left to itself the
 * planner reads every message of the caller's rooms and tests each, because it prices a prefix
 * match on the GIN index high — 20–100 ms on 100,000 messages against a few ms), the caller's
 * memberships filter them, they are sorted newest first by (createdAt, id), and only the page's
 * rows are joined to their message, sender and conversation. The cursor is the
 * last hit's `<createdAt ms>.<id>`; createdAt is a TIMESTAMP(3) without zone holding UTC, compared
 * with the cursor's time written the same way.
 */
export function postgresSearchSql(variant: SearchVariant): string {
  const one = variant.startsWith('one');
  const before = variant.endsWith('before');
  let n = 2;
  const beforeSql = before ? ` AND (m."createdAt", m."id") < ($${++n}::timestamp(3), $${++n})` : '';
  const oneSql = one ? ` AND m."conversationId" = $${++n}` : '';
  return `WITH hit AS MATERIALIZED (
      SELECT m."id", m."conversationId", m."createdAt" FROM "Message" m
      WHERE m."searchVector" @@ to_tsquery('simple', $2) AND m."deletedAt" IS NULL AND m."event" IS NULL${beforeSql}${oneSql}
    ), page AS (
      SELECT h."id", h."conversationId", h."createdAt" FROM hit h
      WHERE h."conversationId" IN (SELECT mb."conversationId" FROM "Membership" mb
        WHERE mb."userId" = (SELECT me."id" FROM "User" me WHERE me."username" = $1))
      ORDER BY h."createdAt" DESC, h."id" DESC
      LIMIT $${n + 1}
    )
    SELECT m."seq", u."username", m."text", m."createdAt", m."editedAt", c."kind", c."name", c."dmKey", m."id"
    FROM page p
      JOIN "Message" m ON m."id" = p."id"
      JOIN "Conversation" c ON c."id" = p."conversationId"
      JOIN "User" u ON u."id" = m."senderId"
    ORDER BY p."createdAt" DESC, p."id" DESC`;
}

export function postgresSearchParams(q: SearchParams): { variant: SearchVariant; params: (string | number)[] } {
  const params: (string | number)[] = [q.caller, tsQuery(q.words)];
  if (q.before !== undefined) {
    const m = /^(\d{1,15})\.(.{1,100})$/.exec(q.before);
    const at = m ? new Date(Number(m[1])) : undefined;
    if (!m || !at || Number.isNaN(at.getTime())) throw new TidingsError('BAD_REQUEST', BAD_CURSOR);
    params.push(at.toISOString().slice(0, 23), m[2]!);
  }
  if (q.conversationId !== undefined) params.push(q.conversationId);
  params.push(q.take);
  const variant = `${q.conversationId === undefined ? 'all' : 'one'}${q.before === undefined ? '' : '-before'}` as SearchVariant;
  return { variant, params };
}

/** A hit as both paths return it. */
export interface SearchRow {
  seq: number;
  username: string;
  text: string;
  createdAt: number;
  editedAt: number | null;
  kind: string;
  name: string | null;
  dmKey: string | null;
  /** The `before` of the page after this hit. */
  cursor: string;
}

type Time = Date | string | number;
/** The columns of sqliteSearchSql in order (the prepared path). */
export type SqliteSearchTuple = [number, string, string, Time, Time | null, string, string | null, string | null, number];

export function fromSqliteTuple(r: SqliteSearchTuple): SearchRow {
  return rowOf(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], String(r[8]));
}

/** A row by column names (Prisma's raw queries). */
export interface NamedSearchRow {
  seq: number | bigint;
  username: string;
  text: string;
  createdAt: Time;
  editedAt: Time | null;
  kind: string;
  name: string | null;
  dmKey: string | null;
  /** SQLite: the rowid. */
  cursor?: number | bigint;
  /** PostgreSQL: the message id. */
  id?: string;
}

export function fromNamedSearch(r: NamedSearchRow): SearchRow {
  const cursor = r.id !== undefined ? `${msOf(r.createdAt)}.${r.id}` : String(r.cursor);
  return rowOf(Number(r.seq), r.username, r.text, r.createdAt, r.editedAt, r.kind, r.name, r.dmKey, cursor);
}

function rowOf(
  seq: number,
  username: string,
  text: string,
  createdAt: Time,
  editedAt: Time | null,
  kind: string,
  name: string | null,
  dmKey: string | null,
  cursor: string,
): SearchRow {
  return { seq, username, text, createdAt: msOf(createdAt), editedAt: editedAt === null ? null : msOf(editedAt), kind, name, dmKey, cursor };
}
