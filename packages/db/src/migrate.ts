import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { postgresSchemaOf, providerOf, sqlitePath, type Provider } from './url.js';

/**
 * Applies the checked-in migrations (`prisma/migrations/<provider>/<name>/migration.sql`) in name
 * order, each once, in its own transaction, recording it in `_prisma_migrations` with the same
 * columns and sha256 checksum that `prisma migrate deploy` uses, so an operator with Prisma's native
 * engine can take over. We run them ourselves because `migrate deploy` does not work offline on
 * PostgreSQL with Prisma 6.19's WebAssembly engine (prisma/orm#27403); see docs/decisions.md.
 */

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../prisma/migrations');

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export function loadMigrations(provider: Provider, dir = MIGRATIONS_DIR): Migration[] {
  const base = path.join(dir, provider);
  if (!existsSync(base)) throw new Error(`no migrations folder at ${base}`);
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(base, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_TABLE = {
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
    "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
    "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`,
  postgresql: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`,
};

function check(applied: Map<string, string>, m: Migration): boolean {
  const sum = applied.get(m.name);
  if (sum === undefined) return false;
  if (sum !== m.checksum) throw new Error(`migration ${m.name} was changed after it was applied (checksum differs)`);
  return true;
}

export async function migrate(url: string, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const provider = providerOf(url);
  const migrations = loadMigrations(provider, dir);
  return provider === 'sqlite' ? migrateSqlite(url, migrations) : migratePostgres(url, migrations);
}

function migrateSqlite(url: string, migrations: Migration[]): MigrateResult {
  const db = new Sqlite(sqlitePath(url));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    db.exec(CREATE_TABLE.sqlite);
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const m of migrations) {
      // BEGIN IMMEDIATE takes the write lock first, so two processes migrating at once serialise.
      const run = db.transaction(() => {
        const rows = db
          .prepare(`SELECT migration_name AS name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL`)
          .all() as { name: string; checksum: string }[];
        if (check(new Map(rows.map((r) => [r.name, r.checksum])), m)) return false;
        db.exec(m.sql);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)`,
        ).run(randomUUID(), m.checksum, m.name);
        return true;
      });
      (run.immediate() ? result.applied : result.alreadyApplied).push(m.name);
    }
    return result;
  } finally {
    db.close();
  }
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<MigrateResult> {
  const schema = postgresSchemaOf(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (schema) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(`SET search_path TO "${schema}"`);
    }
    // One migrator at a time across every process touching this database.
    await client.query('SELECT pg_advisory_lock(72707)');
    await client.query(CREATE_TABLE.postgresql);
    const { rows } = await client.query<{ name: string; checksum: string }>(
      `SELECT migration_name AS name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL`,
    );
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const m of migrations) {
      if (check(applied, m)) {
        result.alreadyApplied.push(m.name);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`, [
          randomUUID(),
          m.checksum,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock(72707)').catch(() => {});
    await client.end();
  }
}
