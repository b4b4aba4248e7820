import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../src/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freshSqlite() {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidings-db-conn-'));
  dirs.push(dir);
  const url = `file:${path.join(dir, 'test.db')}`;
  await migrate(url);
  return openDatabase(url);
}

describe('the SQLite connection under Prisma (db.sqlite())', () => {
  it('is the connection Prisma writes on: it sees Prisma’s open transaction and its uncommitted rows', async () => {
    const db = await freshSqlite();
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
    const db = await freshSqlite();
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
  it.runIf(Boolean(postgresUrl))('is null on PostgreSQL', async () => {
    const db = await openDatabase(postgresUrl!);
    try {
      expect(db.sqlite()).toBeNull();
    } finally {
      await db.close();
    }
  });
});
