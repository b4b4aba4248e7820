import { openSqliteReader, type Database } from '@tidings/db';
import type { Message } from '@tidings/protocol';
import {
  SEARCH_VARIANTS,
  fromNamedSearch,
  fromSqliteTuple,
  postgresSearchParams,
  postgresSearchSql,
  sqliteSearchParams,
  sqliteSearchSql,
  type NamedSearchRow,
  type SearchParams,
  type SearchRow,
  type SqliteSearchTuple,
} from './search-sql.js';
import { msOf, myMaskSql, wireMessage, type BadEventHandler } from './wire.js';

export type { SearchRow } from './search-sql.js';

/** A conversation as a history page needs it. */
export interface ConversationRow {
  id: string;
  kind: string;
  lastSeq: number;
  /** A private room: only its members may read it. */
  private: boolean;
}

export interface PageQuery {
  conversationId: string;
  caller: string;
  /** Rows to read (the page size plus one, to learn whether there are more). */
  take: number;
}

/**
 * The reads of chat.history, on one of two paths that answer the same messages from the same SQL:
 * on a SQLite file, statements prepared once on a read-only better-sqlite3 connection of their
 * own (WAL: it reads beside chat-store's writer and sees every commit); on PostgreSQL (and an
 * in-memory SQLite database, which no second connection can see), Prisma. Why: through Prisma
 * every statement is re-prepared and passes its WebAssembly query compiler, which made the p99
 * of a page several times its median (docs/decisions.md).
 */
export interface HistoryReads {
  /** Which path this is: 'sqlite' (prepared statements) or 'prisma'. */
  readonly path: 'sqlite' | 'prisma';
  conversationByName(name: string): Promise<ConversationRow | undefined>;
  conversationByDmKey(dmKey: string): Promise<ConversationRow | undefined>;
  userExists(username: string): Promise<boolean>;
  /** The `take` messages just below `below`, newest first, as the wire carries them (with the
   * like count and the caller's own like). */
  olderThan(q: PageQuery & { below: number }): Promise<Message[]>;
  /** The `take` messages from `above + 1` up, oldest first (gap-fill). */
  newerThan(q: PageQuery & { above: number }): Promise<Message[]>;
  /** One page of chat.search's hits, newest first (search.ts). */
  search(q: SearchQuery): Promise<SearchRow[]>;
  /** Whether `caller` is a member of the conversation. */
  isMember(conversationId: string, caller: string): Promise<boolean>;
  /** Closes what the reads opened (the prepared path's connection); never the Database. */
  close(): void;
}

export type SearchQuery = SearchParams;

/**
 * The reads for `db`: prepared statements on a SQLite file, Prisma otherwise. `prisma: true`
 * takes the Prisma path on SQLite too (tests compare the two paths with it).
 */
export function openHistoryReads(db: Database, options: { prisma?: boolean; onBadEvent?: BadEventHandler } = {}): HistoryReads {
  return (options.prisma ? undefined : sqliteReads(db, options.onBadEvent)) ?? prismaReads(db, options.onBadEvent);
}

const CONVERSATION_BY_NAME = 'SELECT "id", "kind", "lastSeq", "private" FROM "Conversation" WHERE "name" = $1';
const CONVERSATION_BY_DM_KEY = 'SELECT "id", "kind", "lastSeq", "private" FROM "Conversation" WHERE "dmKey" = $1';
const USER_EXISTS = 'SELECT 1 AS "found" FROM "User" WHERE "username" = $1';
const IS_MEMBER = 'SELECT 1 AS "found" FROM "Membership" mb JOIN "User" u ON u."id" = mb."userId" WHERE mb."conversationId" = $1 AND u."username" = $2';

/** The SQL above (written with PostgreSQL's `$n`) for SQLite's `?`: every `$n` appears once, in order. */
const forSqlite = (sql: string) => sql.replace(/\$\d+/g, '?');

/**
 * One page of messages in one SQL statement: a range scan of the unique (conversationId, seq)
 * index, the sender's name by primary key, the stored reactions (Message.reactions) and — only for
 * messages that have reactions at all — the caller's own, by the Reaction primary key — and, for a message a moderator
 * removed, the moderator's name (by primary key). Parameters: $1 caller's
 * username, $2 conversation id, $3 the cursor (exclusive), $4 rows to take. Prisma's relation
 * loading would cost a second query and about three times the time per page.
 */
function pageSql(direction: 'older' | 'newer'): string {
  return `SELECT m."seq", u."username", m."text", m."createdAt", m."editedAt", m."deletedAt", m."reactions",
      CASE WHEN m."likeCount" > 0 AND m."deletedAt" IS NULL
        THEN ${myMaskSql(`(SELECT c."id" FROM "User" c WHERE c."username" = $1)`)}
        ELSE 0 END AS "my",
      m."event", rb."username" AS "removedBy"
    FROM "Message" m JOIN "User" u ON u."id" = m."senderId"
      LEFT JOIN "User" rb ON rb."id" = m."removedById"
    WHERE m."conversationId" = $2 AND m."seq" ${direction === 'older' ? '<' : '>'} $3
    ORDER BY m."seq" ${direction === 'older' ? 'DESC' : 'ASC'}
    LIMIT $4`;
}

/** A page row as Prisma returns it: columns by name. */
interface NamedRow {
  seq: number | bigint;
  username: string;
  text: string;
  /** SQLite: ISO 8601 text as Prisma writes it; PostgreSQL: a Date. */
  createdAt: Date | string | number;
  editedAt: Date | string | number | null;
  deletedAt: Date | string | number | null;
  reactions: string | null;
  /** The caller's reactions, a bit mask (PostgreSQL's SUM answers a bigint or a numeric string). */
  my: number | bigint | string;
  event: string | null;
  removedBy: string | null;
}

function fromNamed(r: NamedRow, onBadEvent?: BadEventHandler): Message {
  return wireMessage(
    Number(r.seq),
    r.username,
    r.text,
    msOf(r.createdAt),
    r.editedAt === null ? null : msOf(r.editedAt),
    r.deletedAt === null ? null : msOf(r.deletedAt),
    r.reactions,
    Number(r.my),
    r.event,
    r.removedBy,
    onBadEvent,
  );
}

/** A page row as the prepared statement returns it: the columns of pageSql in order. */
type PositionalRow = [
  seq: number,
  username: string,
  text: string,
  createdAt: string | number,
  editedAt: string | number | null,
  deletedAt: string | number | null,
  reactions: string | null,
  my: number,
  event: string | null,
  removedBy: string | null,
];

function fromPositional(r: PositionalRow, onBadEvent?: BadEventHandler): Message {
  return wireMessage(r[0], r[1], r[2], msOf(r[3]), r[4] === null ? null : msOf(r[4]), r[5] === null ? null : msOf(r[5]), r[6], r[7], r[8], r[9], onBadEvent);
}

function sqliteReads(db: Database, onBadEvent?: BadEventHandler): HistoryReads | undefined {
  const reader = openSqliteReader(db.url);
  if (!reader) return undefined;
  let prepared;
  try {
    prepared = {
      byName: reader.prepare<StoredConversation>(forSqlite(CONVERSATION_BY_NAME)),
      byDmKey: reader.prepare<StoredConversation>(forSqlite(CONVERSATION_BY_DM_KEY)),
      userExists: reader.prepare<{ found: number }>(forSqlite(USER_EXISTS)),
      older: reader.prepareRaw<PositionalRow>(forSqlite(pageSql('older'))),
      newer: reader.prepareRaw<PositionalRow>(forSqlite(pageSql('newer'))),
      isMember: reader.prepare<{ found: number }>(forSqlite(IS_MEMBER)),
      search: new Map(SEARCH_VARIANTS.map((v) => [v, reader.prepareRaw<SqliteSearchTuple>(sqliteSearchSql(v))])),
    };
  } catch (err) {
    reader.close();
    throw new Error(`cannot prepare the history reads (is the database migrated? pnpm migrate): ${(err as Error).message}`, { cause: err });
  }
  const { byName, byDmKey, userExists, older, newer, isMember, search } = prepared;
  return {
    path: 'sqlite',
    conversationByName: async (name) => normalizeConversation(byName.get(name)),
    conversationByDmKey: async (dmKey) => normalizeConversation(byDmKey.get(dmKey)),
    userExists: async (username) => userExists.get(username) !== undefined,
    olderThan: async (q) => older.all(q.caller, q.conversationId, q.below, q.take).map((r) => fromPositional(r, onBadEvent)),
    newerThan: async (q) => newer.all(q.caller, q.conversationId, q.above, q.take).map((r) => fromPositional(r, onBadEvent)),
    isMember: async (conversationId, caller) => isMember.get(conversationId, caller) !== undefined,
    search: async (q) => {
      const { variant, params } = sqliteSearchParams(q);
      return search
        .get(variant)!
        .all(...params)
        .map(fromSqliteTuple);
    },
    close: () => reader.close(),
  };
}

function prismaReads(db: Database, onBadEvent?: BadEventHandler): HistoryReads {
  const prisma = db.prisma;
  const sql = (text: string) => (db.provider === 'sqlite' ? forSqlite(text) : text);
  const [byName, byDmKey, userExists, olderSql, newerSql] = [CONVERSATION_BY_NAME, CONVERSATION_BY_DM_KEY, USER_EXISTS, pageSql('older'), pageSql('newer')].map(
    sql,
  ) as [string, string, string, string, string];
  const one = async <T>(text: string, ...values: string[]) => (await prisma.$queryRawUnsafe<T[]>(text, ...values))[0];
  return {
    path: 'prisma',
    conversationByName: (name) => one<StoredConversation>(byName, name).then(normalizeConversation),
    conversationByDmKey: (dmKey) => one<StoredConversation>(byDmKey, dmKey).then(normalizeConversation),
    userExists: async (username) => (await one(userExists, username)) !== undefined,
    olderThan: async (q) =>
      (await prisma.$queryRawUnsafe<NamedRow[]>(olderSql, q.caller, q.conversationId, q.below, q.take)).map((r) => fromNamed(r, onBadEvent)),
    newerThan: async (q) =>
      (await prisma.$queryRawUnsafe<NamedRow[]>(newerSql, q.caller, q.conversationId, q.above, q.take)).map((r) => fromNamed(r, onBadEvent)),
    isMember: async (conversationId, caller) => (await one(sql(IS_MEMBER), conversationId, caller)) !== undefined,
    search: async (q) => {
      const sqlite = db.provider === 'sqlite';
      const { variant, params } = sqlite ? sqliteSearchParams(q) : postgresSearchParams(q);
      const text = sqlite ? sqliteSearchSql(variant) : postgresSearchSql(variant);
      return (await prisma.$queryRawUnsafe<NamedSearchRow[]>(text, ...params)).map(fromNamedSearch);
    },
    close: () => {},
  };
}

/** SQLite answers a boolean as 0/1 (a bigint through Prisma), PostgreSQL as a boolean. */
const truthy = (v: unknown) => v === true || v === 1 || v === 1n;

/** A conversation row as either database answers it. */
interface StoredConversation {
  id: string;
  kind: string;
  lastSeq: number | bigint;
  private: unknown;
}

function normalizeConversation(row: StoredConversation | undefined): ConversationRow | undefined {
  return row && { id: row.id, kind: row.kind, lastSeq: Number(row.lastSeq), private: truthy(row.private) };
}

/**
 * The caller's unread mentions per conversation: Mention rows past their read marker in the
 * conversations they are a member of — one statement for every conversation, a range of the
 * (userId, conversationId, seq) index per membership. Conversations without any are absent.
 * Like `unread`, it counts rows, deleted messages included: leaving the message out took a
 * primary-key probe per mention, 2.5–4 times the time (66 against 17–26 ms for 25,000 unread mentions
 * over 500 rooms on SQLite). Through Prisma on both databases.
 */
const MENTION_COUNTS = `SELECT mn."conversationId" AS "conversationId", COUNT(*) AS "n"
  FROM "Membership" mb
    JOIN "Mention" mn ON mn."userId" = mb."userId" AND mn."conversationId" = mb."conversationId" AND mn."seq" > mb."lastReadSeq"
  WHERE mb."userId" = $1
  GROUP BY mn."conversationId"`;

export async function unreadMentions(db: Database, userId: string): Promise<Map<string, number>> {
  const sql = db.provider === 'sqlite' ? forSqlite(MENTION_COUNTS) : MENTION_COUNTS;
  const rows = await db.prisma.$queryRawUnsafe<{ conversationId: string; n: number | bigint }[]>(sql, userId);
  return new Map(rows.map((r) => [r.conversationId, Number(r.n)]));
}
