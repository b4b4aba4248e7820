import { randomUUID } from 'node:crypto';
import { postgresSchemaOf, providerOf, sqlitePath, type Database } from '@tidings/db';
import { issueToken } from '@tidings/service-kit';
import Sqlite from 'better-sqlite3';
import pg from 'pg';

/**
 * Test data written straight into the database with multi-row raw SQL inserts, in transactions:
 * signed-in users (user + session rows, as testkit's createUserSession makes them, so ten
 * thousand clients need no argon2 sign-in each), room memberships, and a million messages.
 */

export interface SeededUser {
  id: string;
  username: string;
  token: string;
  sessionId: string;
}

/** `user000001` … : 10 characters, the shape of a real name. */
export function benchUsername(i: number, prefix = 'u'): string {
  return `${prefix}${String(i).padStart(9 - prefix.length + 1, '0')}`;
}

function placeholders(provider: 'sqlite' | 'postgresql', rows: number, cols: number): string {
  const out: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < cols; c++) cells.push(provider === 'sqlite' ? '?' : `$${++n}`);
    out.push(`(${cells.join(', ')})`);
  }
  return out.join(', ');
}

async function insertRows(db: Database, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const chunk = Math.floor(30_000 / columns.length);
  const cols = columns.map((c) => `"${c}"`).join(', ');
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    await db.prisma.$executeRawUnsafe(`INSERT INTO "${table}" (${cols}) VALUES ${placeholders(db.provider, part.length, columns.length)}`, ...part.flat());
  }
}

/** Users with a live session each (password hash unusable: they never sign in with a password). */
export async function seedSignedInUsers(db: Database, count: number | readonly string[], prefix = 'u'): Promise<SeededUser[]> {
  const names = typeof count === 'number' ? Array.from({ length: count }, (_, i) => benchUsername(i + 1, prefix)) : count;
  const now = new Date();
  const expires = new Date(Date.now() + 24 * 3600_000);
  const users: SeededUser[] = [];
  for (const username of names) {
    const t = issueToken();
    users.push({ id: randomUUID(), username, token: t.token, sessionId: t.sessionId });
    (users[users.length - 1] as SeededUser & { tokenHash: string }).tokenHash = t.tokenHash;
  }
  await insertRows(
    db,
    'User',
    ['id', 'username', 'passwordHash', 'createdAt', 'updatedAt'],
    users.map((u) => [u.id, u.username, '!bench-user-without-password', now, now]),
  );
  await insertRows(
    db,
    'Session',
    ['id', 'userId', 'tokenHash', 'device', 'createdAt', 'lastSeenAt', 'expiresAt'],
    users.map((u) => [u.sessionId, u.id, (u as SeededUser & { tokenHash: string }).tokenHash, 'bench', now, now, expires]),
  );
  return users.map(({ id, username, token, sessionId }) => ({ id, username, token, sessionId }));
}

/** A room (created if missing) with these members. Returns its id. */
export async function seedRoom(db: Database, name: string, members: readonly { id: string }[]): Promise<string> {
  const id = `room_${name}`;
  const now = new Date();
  const exists = await db.prisma.conversation.findUnique({ where: { id }, select: { id: true } });
  if (!exists) await db.prisma.conversation.create({ data: { id, kind: 'room', name, createdAt: now, lastSeq: 0 } });
  await insertRows(
    db,
    'Membership',
    ['conversationId', 'userId', 'joinedAt', 'lastReadSeq'],
    members.map((m) => [id, m.id, now, 0]),
  );
  return id;
}

/** Private rooms (kind room, private) with these members each, in a few multi-row inserts. */
export async function seedPrivateRooms(db: Database, rooms: readonly { name: string; memberIds: readonly string[] }[]): Promise<void> {
  const now = new Date();
  const yes = db.provider === 'sqlite' ? 1 : true;
  await insertRows(
    db,
    'Conversation',
    ['id', 'kind', 'name', 'createdAt', 'lastSeq', 'private'],
    rooms.map((r) => [`room_${r.name}`, 'room', r.name, now, 0, yes]),
  );
  await insertRows(
    db,
    'Membership',
    ['conversationId', 'userId', 'joinedAt', 'lastReadSeq', 'role'],
    rooms.flatMap((r) => r.memberIds.map((id, i) => [`room_${r.name}`, id, now, 0, i === 0 ? 'owner' : 'member'])),
  );
}

/**
 * `count` messages of 20 characters in a room, senders taking turns, sequence numbers 1…count,
 * one millisecond apart — generated inside the database by one INSERT … SELECT per 100,000 rows
 * (a recursive CTE on SQLite, generate_series on PostgreSQL). Moves the room's lastSeq.
 * Returns the seconds it took.
 */
export async function seedMessages(url: string, roomId: string, senders: readonly { id: string }[], count: number): Promise<number> {
  const started = performance.now();
  const base = Date.now() - count - 60_000;
  const senderIds = senders.map((s) => s.id);
  if (providerOf(url) === 'sqlite') {
    const db = new Sqlite(sqlitePath(url));
    try {
      // Seeding is not under test: no fsync per transaction here (the services use synchronous=FULL).
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -262144');
      db.exec('CREATE TEMP TABLE bench_senders (k INTEGER PRIMARY KEY, id TEXT NOT NULL)');
      const add = db.prepare('INSERT INTO bench_senders (k, id) VALUES (?, ?)');
      senderIds.forEach((id, k) => add.run(k, id));
      const insert = db.prepare(`
        WITH RECURSIVE n(s) AS (SELECT ? UNION ALL SELECT s + 1 FROM n WHERE s < ?)
        INSERT INTO "Message" ("id", "conversationId", "seq", "senderId", "clientKey", "text", "createdAt", "likeCount")
        SELECT 'bm-' || s, ?, s, (SELECT id FROM bench_senders WHERE k = s % ?), 'bk-' || s,
          'bench message ' || printf('%06d', s % 1000000),
          strftime('%Y-%m-%dT%H:%M:%f+00:00', (? + s) / 1000.0, 'unixepoch'), 0
        FROM n`);
      const step = 100_000;
      for (let from = 1; from <= count; from += step) {
        const to = Math.min(count, from + step - 1);
        db.transaction(() => insert.run(from, to, roomId, senderIds.length, base))();
      }
      db.prepare('UPDATE "Conversation" SET "lastSeq" = ? WHERE "id" = ?').run(count, roomId);
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  } else {
    const client = await connectPostgres(url);
    try {
      const step = 200_000;
      for (let from = 1; from <= count; from += step) {
        const to = Math.min(count, from + step - 1);
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO "Message" ("id", "conversationId", "seq", "senderId", "clientKey", "text", "createdAt", "likeCount")
           SELECT 'bm-' || s, $1, s, ($2::text[])[1 + s % $3], 'bk-' || s,
             'bench message ' || lpad((s % 1000000)::text, 6, '0'),
             to_timestamp(($4::bigint + s) / 1000.0), 0
           FROM generate_series($5::int, $6::int) AS s`,
          [roomId, senderIds, senderIds.length, base, from, to],
        );
        await client.query('COMMIT');
      }
      await client.query('UPDATE "Conversation" SET "lastSeq" = $1 WHERE "id" = $2', [count, roomId]);
      await client.query('ANALYZE "Message"');
    } finally {
      await client.end();
    }
  }
  return (performance.now() - started) / 1000;
}

/** A fresh PostgreSQL URL with its own schema; `drop()` removes the schema. */
export function postgresBenchUrl(base: string): { url: string; schema: string; drop(): Promise<void> } {
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const u = new URL(base);
  u.searchParams.set('schema', schema);
  const plain = new URL(base);
  plain.searchParams.delete('schema');
  return {
    url: u.toString(),
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: plain.toString() });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * The vocabulary of the search corpus: `size` distinct made-up words of 2–4 syllables
 * (`kalomi`, `vetusa` …), the same every run. Word k's place decides how common it is (seedSearchCorpus).
 */
export function searchVocabulary(size: number): string[] {
  const onsets = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'ch', 'sh', 'tr', 'pl'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
  const syllables = onsets.flatMap((o) => vowels.map((v) => o + v)); // 126
  const words = new Set<string>();
  for (let k = 0; words.size < size; k++) {
    let x = k + 1;
    let w = '';
    const n = 2 + (k % 3);
    for (let i = 0; i < n; i++) {
      w += syllables[x % syllables.length];
      x = Math.floor(x / syllables.length) + (i + 1) * 7 + k;
    }
    words.add(w);
  }
  return [...words];
}

/** Six word slots per message: the vocabulary size each slot draws from (slot 3 from the 20 most common words). */
export const SEARCH_SLOTS = [1, 0.1, 0.01, 0.001, 1, 1] as const;

/**
 * A search corpus: `count` messages spread over `rooms.length` rooms (message n in room n mod
 * rooms), senders taking turns, one millisecond apart; each text six words of `vocabulary`,
 * word i of message n picked by a multiplicative hash from the first `SEARCH_SLOTS[i] × size`
 * words — so the first 20 words are each in about 1 message of 20, and a word near the end of the
 * vocabulary in about 3 of every `size`. Written inside the database by INSERT … SELECT, 100,000
 * rows per statement (a recursive CTE on SQLite, generate_series on PostgreSQL); the search index
 * is kept by the database as it is for every write (FTS5 triggers, the generated tsvector column).
 * Returns the seconds it took.
 */
export async function seedSearchCorpus(
  url: string,
  rooms: readonly string[],
  senders: readonly { id: string }[],
  vocabulary: readonly string[],
  count: number,
): Promise<number> {
  const started = performance.now();
  const base = Date.now() - count - 60_000;
  const v = vocabulary.length;
  const slotSizes = SEARCH_SLOTS.map((f) => Math.max(1, Math.round(f * v)));
  const multipliers = [2654435761, 2246822519, 3266489917, 668265263, 374761393, 1181783497];
  if (providerOf(url) === 'sqlite') {
    const db = new Sqlite(sqlitePath(url));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -262144');
      db.exec('CREATE TEMP TABLE bench_senders (k INTEGER PRIMARY KEY, id TEXT NOT NULL)');
      db.exec('CREATE TEMP TABLE bench_rooms (k INTEGER PRIMARY KEY, id TEXT NOT NULL)');
      db.exec('CREATE TEMP TABLE bench_words (k INTEGER PRIMARY KEY, w TEXT NOT NULL)');
      const addSender = db.prepare('INSERT INTO bench_senders (k, id) VALUES (?, ?)');
      senders.forEach((s, k) => addSender.run(k, s.id));
      const addRoom = db.prepare('INSERT INTO bench_rooms (k, id) VALUES (?, ?)');
      rooms.forEach((id, k) => addRoom.run(k, id));
      const addWord = db.prepare('INSERT INTO bench_words (k, w) VALUES (?, ?)');
      db.transaction(() => vocabulary.forEach((w, k) => addWord.run(k, w)))();
      const word = (i: number) => `(SELECT w FROM bench_words WHERE k = (s * ${multipliers[i]} + ${i * 7919}) % 4294967291 % ${slotSizes[i]})`;
      const insert = db.prepare(`
        WITH RECURSIVE n(s) AS (SELECT ? UNION ALL SELECT s + 1 FROM n WHERE s < ?)
        INSERT INTO "Message" ("id", "conversationId", "seq", "senderId", "clientKey", "text", "createdAt", "likeCount")
        SELECT 'sm-' || s, (SELECT id FROM bench_rooms WHERE k = s % ${rooms.length}), s / ${rooms.length} + 1,
          (SELECT id FROM bench_senders WHERE k = s % ${senders.length}), 'sk-' || s,
          ${SEARCH_SLOTS.map((_, i) => word(i)).join(" || ' ' || ")},
          strftime('%Y-%m-%dT%H:%M:%f+00:00', (? + s) / 1000.0, 'unixepoch'), 0
        FROM n`);
      const step = 100_000;
      for (let from = 0; from < count; from += step) {
        const to = Math.min(count, from + step) - 1;
        db.transaction(() => insert.run(from, to, base))();
      }
      const setLast = db.prepare('UPDATE "Conversation" SET "lastSeq" = (SELECT max("seq") FROM "Message" WHERE "conversationId" = ?) WHERE "id" = ?');
      for (const id of rooms) setLast.run(id, id);
      db.exec('ANALYZE');
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  } else {
    const client = await connectPostgres(url);
    try {
      const word = (i: number) => `($3::text[])[1 + (s::bigint * ${multipliers[i]} + ${i * 7919}) % 4294967291 % ${slotSizes[i]}]`;
      const step = 100_000;
      for (let from = 0; from < count; from += step) {
        const to = Math.min(count, from + step) - 1;
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO "Message" ("id", "conversationId", "seq", "senderId", "clientKey", "text", "createdAt", "likeCount")
           SELECT 'sm-' || s, ($1::text[])[1 + s % ${rooms.length}], s / ${rooms.length} + 1, ($2::text[])[1 + s % ${senders.length}], 'sk-' || s,
             ${SEARCH_SLOTS.map((_, i) => word(i)).join(" || ' ' || ")},
             to_timestamp(($4::bigint + s) / 1000.0) AT TIME ZONE 'UTC', 0
           FROM generate_series($5::int, $6::int) AS s`,
          [rooms, senders.map((s) => s.id), vocabulary, base, from, to],
        );
        await client.query('COMMIT');
      }
      await client.query(
        `UPDATE "Conversation" c SET "lastSeq" = (SELECT max("seq") FROM "Message" m WHERE m."conversationId" = c."id") WHERE c."id" = ANY($1)`,
        [rooms],
      );
      await client.query('ANALYZE "Message"');
    } finally {
      await client.end();
    }
  }
  return (performance.now() - started) / 1000;
}

/** A database a scenario measures: SQLite always, PostgreSQL when its URL is set (in a schema of its own, dropped after). */
export interface BenchDatabase {
  database: 'SQLite' | 'PostgreSQL';
  url?: string;
  drop?: () => Promise<void>;
}

/** SQLite, and PostgreSQL from BENCH_POSTGRES_URL (or TEST_POSTGRES_URL); without one, the reason PostgreSQL is skipped. */
export function benchDatabases(): { targets: BenchDatabase[]; skipped?: string } {
  const targets: BenchDatabase[] = [{ database: 'SQLite' }];
  const pgBase = process.env.BENCH_POSTGRES_URL || process.env.TEST_POSTGRES_URL;
  if (!pgBase) return { targets, skipped: 'PostgreSQL skipped: set BENCH_POSTGRES_URL (or TEST_POSTGRES_URL) to run it' };
  const pg = postgresBenchUrl(pgBase);
  targets.push({ database: 'PostgreSQL', url: pg.url, drop: () => pg.drop() });
  return { targets };
}

/** A pg client on `url`, its `schema` parameter (which pg does not take) made the search path. */
async function connectPostgres(url: string): Promise<pg.Client> {
  const schema = postgresSchemaOf(url);
  const u = new URL(url);
  u.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: u.toString(), ...(schema ? { options: `-c search_path="${schema}"` } : {}) });
  await client.connect();
  return client;
}
