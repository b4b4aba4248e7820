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
    const schema = postgresSchemaOf(url);
    const u = new URL(url);
    u.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: u.toString(), ...(schema ? { options: `-c search_path="${schema}"` } : {}) });
    await client.connect();
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
