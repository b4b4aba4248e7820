import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransientDbError, migrate, openDatabase, transientDbErrorCode, type Database } from '../src/index.js';

/**
 * The classifier against the errors real databases throw through Prisma 6.19 and its driver
 * adapters: every failure here is provoked, none is built by hand.
 */

/** The rejection of `work` (fails the test when it resolves). */
async function failureOf(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

/** Tries `work` every 50 ms until it succeeds (15 s at most): for a pool that finds its dead connections by using them. */
async function eventually<T>(work: () => Promise<T>): Promise<T> {
  for (const deadline = Date.now() + 15_000; ;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const user = () => ({ id: randomUUID(), username: `u${randomBytes(4).toString('hex')}`, passwordHash: '!' });

describe('isTransientDbError', () => {
  it('is false for what is not a database error', () => {
    for (const value of [new Error('boom'), new TypeError('x is undefined'), null, undefined, 'SQLITE_BUSY', 42, {}]) {
      expect(isTransientDbError(value)).toBe(false);
    }
  });
});

describe('isTransientDbError on SQLite', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function fresh(): Promise<{ file: string; db: Database }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'tidings-transient-'));
    dirs.push(dir);
    const file = path.join(dir, 'test.db');
    await migrate(`file:${file}`);
    const db = await openDatabase(`file:${file}`);
    await db.prisma.user.findFirst(); // opens Prisma's connection
    return { file, db };
  }

  it('takes a write refused because another connection holds the lock (SQLITE_BUSY) as transient, however it was made', async () => {
    const { file, db } = await fresh();
    // The production busy timeout is 10 s; the lock is the same, only the wait is shorter.
    db.sqlite()!.pragma('busy_timeout = 50');
    const other = new BetterSqlite3(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const failures = [
        await failureOf(() => db.prisma.user.create({ data: user() })),
        await failureOf(() => db.prisma.$executeRawUnsafe('UPDATE "User" SET "username" = "username"')),
        await failureOf(() => db.prisma.$transaction(async (tx) => tx.user.updateMany({ where: { id: 'none' }, data: { username: 'x' } }))),
        // The writer's prepared statements on Prisma's own connection: better-sqlite3's error, unwrapped.
        await failureOf(() =>
          db
            .sqlite()!
            .transaction(() => db.sqlite()!.prepare('UPDATE "User" SET "username" = "username"').run())
            .immediate(),
        ),
      ];
      for (const err of failures) {
        expect(transientDbErrorCode(err), String(err)).toBe('SQLITE_BUSY');
        expect(isTransientDbError(err)).toBe(true);
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // and once the lock is gone the same write goes through
    await db.prisma.user.create({ data: user() });
    await db.close();
  });

  it('does not take a constraint, bad SQL or a read-only file as transient', async () => {
    const { file, db } = await fresh();
    const u = user();
    await db.prisma.user.create({ data: u });
    const readOnly = new BetterSqlite3(file, { readonly: true });
    try {
      const failures = [
        await failureOf(() => db.prisma.user.create({ data: { ...user(), username: u.username } })),
        await failureOf(() =>
          db.prisma.$executeRawUnsafe('INSERT INTO "User" ("id", "username", "passwordHash", "createdAt") VALUES (?, ?, ?, ?)', u.id, 'x', '!', new Date()),
        ),
        await failureOf(() => db.prisma.$queryRawUnsafe('SELEC 1')),
        await failureOf(() => db.prisma.session.create({ data: { id: randomUUID(), userId: 'nobody', tokenHash: 'h', expiresAt: new Date() } })),
        // SQLITE_READONLY: a setting of the file or its mount, which does not change by itself.
        await failureOf(() => readOnly.prepare('UPDATE "User" SET "username" = "username"').run()),
      ];
      expect((failures[4] as { code?: string }).code).toBe('SQLITE_READONLY');
      for (const err of failures) expect(isTransientDbError(err), String(err)).toBe(false);
    } finally {
      readOnly.close();
      await db.close();
    }
  });
});

const pgUrl = process.env.TEST_POSTGRES_URL;
if (!pgUrl) console.log('skipping the PostgreSQL classifier tests: TEST_POSTGRES_URL is unset');

describe.skipIf(!pgUrl)('isTransientDbError on PostgreSQL', () => {
  // A database of its own: the tests change database-level settings (never the server's).
  const name = `tidings_transient_${randomBytes(5).toString('hex')}`;
  let admin: pg.Client;
  let url: string;
  let db: Database;

  const terminateOthers = () => admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);

  /** Waits (15 s at most) until `count` queries starting with `sql` are running in the test's database. */
  async function running(sql: string, count = 1): Promise<void> {
    for (const deadline = Date.now() + 15_000; ;) {
      const { rows } = await admin.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND starts_with(query, $2)",
        [name, sql],
      );
      if (Number(rows[0]!.n) >= count) return;
      if (Date.now() > deadline) throw new Error(`${count} × "${sql}" were not running within 15 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const u = new URL(pgUrl!);
    u.pathname = `/${name}`;
    url = u.toString();
    await migrate(url);
    db = await openDatabase(url);
  });

  afterAll(async () => {
    await db?.close();
    await admin?.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin?.end();
  });

  it('takes a connection terminated by the server (57P01) as transient', async () => {
    const sleeping = failureOf(() => db.prisma.$queryRawUnsafe('SELECT pg_sleep(5)::text'));
    await running('SELECT pg_sleep(5)');
    await terminateOthers();
    const terminated = await sleeping;
    expect(transientDbErrorCode(terminated), String(terminated)).toBe('57P01');
  });

  it('takes a write to a read-only database (25006) as transient, from model queries, raw queries and transactions', async () => {
    await admin.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    try {
      await terminateOthers();
      // New connections are read-only; reads work (once the pool has dropped the terminated ones).
      await eventually(() => db.prisma.user.count());
      const failures = [
        await failureOf(() => db.prisma.user.create({ data: user() })),
        await failureOf(() => db.prisma.$executeRawUnsafe('UPDATE "User" SET "username" = "username"')),
        await failureOf(() => db.prisma.$transaction(async (tx) => tx.$executeRawUnsafe('UPDATE "Conversation" SET "lastSeq" = "lastSeq"'))),
      ];
      for (const err of failures) expect(transientDbErrorCode(err), String(err)).toBe('25006');
    } finally {
      await admin.query(`ALTER DATABASE "${name}" RESET default_transaction_read_only`);
      await terminateOthers();
    }
    await eventually(() => db.prisma.user.create({ data: user() }));
  });

  it('takes a connection that drops mid-query, and a server that cannot be reached, as transient', async () => {
    // A TCP relay to the server that the test can cut, as a network or a crashed server would.
    const sockets = new Set<net.Socket>();
    const target = new URL(pgUrl!);
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const via = new URL(url);
    via.host = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
    const relayed = await openDatabase(via.toString());
    try {
      await relayed.prisma.$queryRawUnsafe('SELECT 1');
      const cut = () => setTimeout(() => sockets.forEach((s) => s.destroy()), 100);
      cut();
      const midQuery = await failureOf(() => relayed.prisma.$queryRawUnsafe('SELECT pg_sleep(2)::text'));
      expect(transientDbErrorCode(midQuery), String(midQuery)).toBe('connection-lost');
      const midTransaction = await failureOf(() =>
        relayed.prisma.$transaction(async (tx) => {
          await tx.$queryRawUnsafe('SELECT 1');
          sockets.forEach((s) => s.resetAndDestroy());
          await tx.$queryRawUnsafe('SELECT 1');
        }),
      );
      expect(isTransientDbError(midTransaction), String(midTransaction)).toBe(true);
      // Now the server is gone: the pool's connections break and no new one can be made.
      relay.close();
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => setTimeout(r, 200));
      const refused = [
        await failureOf(() => relayed.prisma.user.findFirst()),
        await failureOf(() => relayed.prisma.$queryRawUnsafe('SELECT 1')),
        await failureOf(() => relayed.prisma.$transaction(async (tx) => tx.user.findFirst())),
      ];
      for (const err of refused) expect(isTransientDbError(err), String(err)).toBe(true);
      expect(transientDbErrorCode(refused[2]), String(refused[2])).toBe('DatabaseNotReachable');
    } finally {
      relay.close();
      sockets.forEach((s) => s.destroy());
      await relayed.close();
    }
  });

  it('gives back the pool connection of every transaction whose connection died (more of them than the pool holds)', async () => {
    // @prisma/adapter-pg alone kept each such connection checked out, and the 11th transaction waited forever.
    for (let i = 0; i < 12; i++) {
      const lost = await failureOf(() =>
        db.prisma.$transaction(async (tx) => {
          const [row] = await tx.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [row!.pid]);
          await new Promise((r) => setTimeout(r, 20));
          await tx.$queryRawUnsafe('SELECT 1');
        }),
      );
      expect(isTransientDbError(lost), String(lost)).toBe(true);
    }
    const after = await db.prisma.$transaction(async (tx) => tx.$queryRawUnsafe<{ one: number }[]>('SELECT 1 AS one'), { maxWait: 2000 });
    expect(after).toEqual([{ one: 1 }]);
  });

  it('takes a serialization failure (40001) and a deadlock (40P01) as transient', async () => {
    const [a, b] = ['room_ta', 'room_tb'];
    for (const id of [a, b]) await db.prisma.conversation.create({ data: { id, kind: 'room', name: id.slice(5) } });
    const pause = () => new Promise((r) => setTimeout(r, 300));
    const serializable = () =>
      db.prisma.$transaction(
        async (tx) => {
          await tx.$queryRawUnsafe('SELECT "lastSeq" FROM "Conversation" WHERE "id" = $1', a);
          await pause();
          await tx.$executeRawUnsafe('UPDATE "Conversation" SET "lastSeq" = "lastSeq" + 1 WHERE "id" = $1', a);
        },
        { isolationLevel: 'Serializable' },
      );
    const conflict = (await Promise.allSettled([serializable(), serializable()])).flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(conflict).toHaveLength(1);
    expect(transientDbErrorCode(conflict[0]), String(conflict[0])).toBe('40001');

    const crossing = (first: string, second: string) =>
      db.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('UPDATE "Conversation" SET "lastSeq" = 1 WHERE "id" = $1', first);
        await pause();
        await tx.$executeRawUnsafe('UPDATE "Conversation" SET "lastSeq" = 1 WHERE "id" = $1', second);
      });
    const deadlock = (await Promise.allSettled([crossing(a, b), crossing(b, a)])).flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(deadlock).toHaveLength(1);
    expect(transientDbErrorCode(deadlock[0]), String(deadlock[0])).toBe('40P01');
  });

  it('takes a transaction that could not start in time (every pooled connection busy, P2028) as transient', async () => {
    // pg's pool holds 10 connections by default: keep them all in transactions for a moment.
    const holders = Array.from({ length: 10 }, () =>
      db.prisma.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT pg_sleep(2)::text'), { maxWait: 10_000, timeout: 10_000 }),
    );
    await running('SELECT pg_sleep(2)', 10);
    const late = await failureOf(() => db.prisma.$transaction(async (tx) => tx.user.findFirst(), { maxWait: 100 }));
    await Promise.all(holders);
    expect(transientDbErrorCode(late), String(late)).toBe('P2028');
  });

  it('does not take a constraint, a missing row or bad SQL as transient', async () => {
    const u = user();
    await db.prisma.user.create({ data: u });
    const failures = [
      await failureOf(() => db.prisma.user.create({ data: { ...user(), username: u.username } })),
      await failureOf(() =>
        db.prisma.$executeRawUnsafe('INSERT INTO "User" ("id", "username", "passwordHash", "createdAt") VALUES ($1, $2, $3, now())', u.id, 'x', '!'),
      ),
      await failureOf(() => db.prisma.session.create({ data: { id: randomUUID(), userId: 'nobody', tokenHash: 'h', expiresAt: new Date() } })),
      await failureOf(() => db.prisma.user.update({ where: { id: 'nobody' }, data: { username: 'y' } })),
      await failureOf(() => db.prisma.$queryRawUnsafe('SELEC 1')),
    ];
    for (const err of failures) expect(isTransientDbError(err), String(err)).toBe(false);
  });
});
