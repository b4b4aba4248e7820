import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, openSqliteReader } from '../src/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freshSqlite() {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidings-reader-'));
  dirs.push(dir);
  const url = `file:${path.join(dir, 'test.db')}`;
  await migrate(url);
  return { url, db: await openDatabase(url) };
}

describe('openSqliteReader', () => {
  it('reads what the Prisma connection commits, while it stays open, with prepared statements', async () => {
    const { url, db } = await freshSqlite();
    const reader = openSqliteReader(url)!;
    try {
      expect(db.url).toBe(url);
      const byName = reader.prepare<{ id: string; username: string; createdAt: string }>(
        'SELECT "id", "username", "createdAt" FROM "User" WHERE "username" = ?',
      );
      expect(byName.get('alice')).toBeUndefined();
      const createdAt = new Date('2026-01-02T03:04:05.678Z');
      await db.prisma.user.create({ data: { id: 'u1', username: 'alice', passwordHash: 'h', createdAt } });
      const row = byName.get('alice');
      expect(row).toMatchObject({ id: 'u1', username: 'alice' });
      // Prisma's DateTime on SQLite: ISO 8601 text, which Date.parse reads back to the same instant.
      expect(Date.parse(row!.createdAt)).toBe(createdAt.getTime());
      await db.prisma.user.create({ data: { id: 'u2', username: 'bob', passwordHash: 'h' } });
      const count = reader.prepare<{ n: number }>('SELECT count(*) AS "n" FROM "User"');
      expect(count.get()).toEqual({ n: 2 }); // a plain number, not a BigInt
      expect(reader.prepare<{ username: string }>('SELECT "username" FROM "User" ORDER BY "username"').all()).toEqual([
        { username: 'alice' },
        { username: 'bob' },
      ]);
      const raw = reader.prepareRaw<[string, number]>('SELECT "username", length("username") FROM "User" WHERE "username" > ? ORDER BY "username"');
      expect(raw.all('a')).toEqual([
        ['alice', 5],
        ['bob', 3],
      ]);
      expect(raw.get('b')).toEqual(['bob', 3]);
    } finally {
      reader.close();
      await db.close();
    }
  });

  it('cannot write', async () => {
    const { url, db } = await freshSqlite();
    const reader = openSqliteReader(url)!;
    try {
      expect(() => reader.prepare('DELETE FROM "User" RETURNING "id"').all()).toThrow(/readonly/i);
      expect(() => reader.prepare('DELETE FROM "User"')).toThrow(/must return rows/);
    } finally {
      reader.close();
      await db.close();
    }
  });

  it('gives none for an in-memory database (private to its connection) or PostgreSQL', () => {
    expect(openSqliteReader('file::memory:')).toBeUndefined();
    expect(openSqliteReader('postgresql://localhost/x')).toBeUndefined();
  });

  it('refuses a database file that does not exist instead of creating an empty one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tidings-reader-'));
    dirs.push(dir);
    expect(() => openSqliteReader(`file:${path.join(dir, 'missing.db')}`)).toThrow();
  });
});

describe('the SQLite connection under Prisma (db.sqlite())', () => {
  it('is the connection Prisma writes on: it sees Prisma’s open transaction and its uncommitted rows', async () => {
    const { db } = await freshSqlite();
    try {
      const sqlite = db.sqlite();
      expect(sqlite).not.toBeNull();
      expect(sqlite!.inTransaction).toBe(false);
      const seen = await db.prisma.$transaction(async (tx) => {
        await tx.user.create({ data: { id: 'u1', username: 'ann', passwordHash: '!' } });
        // A second connection could not see this row before the commit; the same one does.
        const row = sqlite!.prepare('SELECT "username" FROM "User" WHERE "id" = ?').get('u1') as { username: string } | undefined;
        return { inTransaction: sqlite!.inTransaction, username: row?.username };
      });
      expect(seen).toEqual({ inTransaction: true, username: 'ann' });
      expect(sqlite!.inTransaction).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('runs with the pragmas Prisma’s queries set: WAL, synchronous FULL, foreign keys on', async () => {
    const { db } = await freshSqlite();
    try {
      const sqlite = db.sqlite()!;
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(Number(sqlite.pragma('synchronous', { simple: true }))).toBe(2); // FULL
      expect(Number(sqlite.pragma('foreign_keys', { simple: true }))).toBe(1);
    } finally {
      await db.close();
    }
  });

  const postgresUrl = process.env.TEST_POSTGRES_URL;
  if (!postgresUrl) console.log('skipping "db.sqlite() is null on PostgreSQL": TEST_POSTGRES_URL is unset');
  it.runIf(Boolean(postgresUrl))('is null on PostgreSQL', async () => {
    const db = await openDatabase(postgresUrl!);
    try {
      expect(db.sqlite()).toBeNull();
    } finally {
      await db.close();
    }
  });
});
