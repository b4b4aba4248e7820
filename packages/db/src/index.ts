import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { PrismaClient as PostgresClient } from './generated/postgres/client.js';
import { postgresSchemaOf, providerOf, sqlitePath, type Provider } from './url.js';

export type { Prisma } from './generated/sqlite/client.js';
export type * from './generated/sqlite/models.js';
export { migrate, loadMigrations, MIGRATIONS_DIR, type MigrateResult, type Migration } from './migrate.js';
export { postgresSchemaOf, providerOf, defaultDatabaseUrl, sqlitePath, redactUrl, type Provider } from './url.js';
export { openSqliteReader, type ReadStatement, type SqliteReader, type SqlValue } from './reader.js';

/** The Prisma client. Both providers generate the same model API from one schema; this is its type. */
export type Db = SqliteClient;

export interface Database {
  readonly prisma: Db;
  readonly provider: Provider;
  /** The URL it was opened with (may hold a password: log it only through redactUrl). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Opens the database named by a `file:` (SQLite) or `postgres://` URL. It does not migrate:
 * run `migrate(url)` first (the launcher and `pnpm migrate` do).
 */
export async function openDatabase(url: string): Promise<Database> {
  const provider = providerOf(url);
  let prisma: Db;
  if (provider === 'sqlite') {
    const file = sqlitePath(url);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    prisma = new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: file, timeout: 10_000 }) });
    // WAL lets readers run beside the writer; FULL makes every acknowledged commit durable.
    await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await prisma.$executeRawUnsafe('PRAGMA synchronous = FULL');
    await prisma.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  } else {
    prisma = new PostgresClient({ adapter: new PrismaPg({ connectionString: withoutSchema(url), ...searchPathOf(url) }, schemaOption(url)) }) as unknown as Db;
    await prisma.$connect();
  }
  return {
    prisma,
    provider,
    url,
    close: () => prisma.$disconnect(),
  };
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

function withoutSchema(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('schema');
  return u.toString();
}
