import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { PrismaClient as PostgresClient } from './generated/postgres/client.js';
import { postgresSchemaOf, providerOf, sqlitePath, type Provider } from './url.js';

export type { Prisma } from './generated/sqlite/client.js';
export type * from './generated/sqlite/models.js';
export { migrate, loadMigrations, MIGRATIONS_DIR, type MigrateResult, type Migration } from './migrate.js';
export { postgresSchemaOf, providerOf, defaultDatabaseUrl, sqlitePath, redactUrl, type Provider } from './url.js';
export { openSqliteReader, type ReadStatement, type SqliteReader, type SqlValue } from './reader.js';
export { setRoomOwner } from './room-owner.js';
export { acquireLeadership, leadershipKey, type Leadership, type LeadershipOptions } from './leadership.js';
export { isTransientDbError, transientDbErrorCode } from './transient.js';

/** The Prisma client. Both providers generate the same model API from one schema; this is its type. */
export type Db = SqliteClient;

/** A better-sqlite3 connection. */
export type SqliteConnection = BetterSqlite3.Database;

export interface Database {
  readonly prisma: Db;
  readonly provider: Provider;
  /**
   * On SQLite, the very connection Prisma runs its queries on (null on PostgreSQL), for a hot path
   * that needs prepared statements. Its statements run synchronously, so they never interleave
   * with a Prisma query; but a Prisma transaction can be open (`inTransaction`) while JavaScript
   * waits between its queries: whoever writes here must wait for `inTransaction` to be false, or
   * its writes would join (and roll back with) that transaction. Integers come back as BigInt
   * (`defaultSafeIntegers`, Prisma's setting) unless a statement says `safeIntegers(false)`.
   */
  sqlite: () => SqliteConnection | null;
  /** The URL it was opened with (may hold a password: log it only through redactUrl). */
  readonly url: string;
  close(): Promise<void>;
}

type AdapterFactory = ConstructorParameters<typeof SqliteClient>[0] extends { adapter?: infer A } ? NonNullable<A> : never;

/**
 * Prisma's better-sqlite3 adapter factory, remembering the connection each `connect()` opens.
 * The adapter keeps it as its public `client` field (pinned @prisma/adapter-better-sqlite3
 * 6.19.3; a test in this package fails if that changes).
 */
function rememberingSqliteAdapter(file: string): { factory: AdapterFactory; connection: () => SqliteConnection | null } {
  const inner = new PrismaBetterSQLite3({ url: file, timeout: 10_000 });
  let connection: SqliteConnection | null = null;
  const factory = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      const client = (adapter as unknown as { client?: SqliteConnection }).client;
      if (!client || typeof client.prepare !== 'function') throw new Error('@prisma/adapter-better-sqlite3 no longer exposes its connection as `client`');
      connection = client;
      return adapter;
    },
    connectToShadowDb: () => inner.connectToShadowDb(),
  } as unknown as AdapterFactory;
  return { factory, connection: () => connection };
}

/**
 * Opens the database named by a `file:` (SQLite) or `postgres://` URL. It does not migrate:
 * run `migrate(url)` first (the launcher and `pnpm migrate` do).
 */
export async function openDatabase(url: string): Promise<Database> {
  const provider = providerOf(url);
  let prisma: Db;
  let sqlite: () => SqliteConnection | null = () => null;
  if (provider === 'sqlite') {
    const file = sqlitePath(url);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const adapter = rememberingSqliteAdapter(file);
    sqlite = adapter.connection;
    prisma = new SqliteClient({ adapter: adapter.factory });
    // WAL lets readers run beside the writer; FULL makes every acknowledged commit durable.
    await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await prisma.$executeRawUnsafe('PRAGMA synchronous = FULL');
    await prisma.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  } else {
    const pool = poolReleasingDeadConnections({ connectionString: withoutSchema(url), ...searchPathOf(url) });
    prisma = new PostgresClient({ adapter: new PrismaPg(pool, { ...schemaOption(url), disposeExternalPool: true }) }) as unknown as Db;
    await prisma.$connect();
  }
  return {
    prisma,
    provider,
    sqlite,
    url,
    close: () => prisma.$disconnect(),
  };
}

/**
 * pg's pool for Prisma's adapter, giving back the connection of a transaction whose connection
 * died. @prisma/adapter-pg 6.19.3 releases a transaction's client only once its COMMIT or
 * ROLLBACK went through; when the connection is gone (a terminated backend, a restarted server, a
 * cut network) the ROLLBACK fails too and the client is never released. Each such failure took
 * one of the pool's 10 connections for good, and the 11th transaction waited forever (measured;
 * a test in this package repeats it). Here a client checked out for a transaction is released
 * with an error — which makes pg-pool discard it — as soon as its connection ends, and the
 * adapter's own release of it later does nothing. (pool.query's checkouts release themselves.)
 */
function poolReleasingDeadConnections(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  pool.connect = ((...args: unknown[]) =>
    args.length > 0 ? connect(...args) : (connect() as Promise<pg.PoolClient>).then(releasedWhenItEnds)) as typeof pool.connect;
  return pool;
}

function releasedWhenItEnds(client: pg.PoolClient): pg.PoolClient {
  const release = client.release.bind(client);
  let released = false;
  const onEnd = () => client.release(new Error('the connection ended during a transaction'));
  client.once('end', onEnd);
  client.release = (err?: Error | boolean) => {
    if (released) return;
    released = true;
    client.off('end', onEnd);
    release(err);
  };
  return client;
}

function schemaOption(url: string): { schema: string } | undefined {
  const schema = postgresSchemaOf(url);
  return schema === undefined ? undefined : { schema };
}

/**
 * The adapter's `schema` option qualifies Prisma's own queries only; raw SQL (`$queryRaw`) goes by
 * the connection's search_path, so every connection of the pool starts with the schema on it.
 */
function searchPathOf(url: string): { options?: string } {
  const schema = postgresSchemaOf(url); // a plain identifier: checked there
  return schema === undefined ? {} : { options: `-c search_path="${schema}"` };
}

export function withoutSchema(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('schema');
  return u.toString();
}
