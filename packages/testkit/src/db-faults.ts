import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { sqlitePath } from '@tidings/db';
import pg from 'pg';

/**
 * Database failures on purpose, for tests of what services do when the database fails for a
 * while: a SQLite database locked by another connection, a PostgreSQL database made read-only
 * and its connections cut. Each touches only the test's own database, never the server's settings.
 */

/** Another connection holding a SQLite database's write lock (BEGIN EXCLUSIVE) until `release()`. */
export interface SqliteLock {
  release(): void;
}

/** Takes the write lock of the SQLite database at `dbUrl` (a `file:` URL) on a connection of its own. */
export function lockSqlite(dbUrl: string): SqliteLock {
  const connection = new BetterSqlite3(sqlitePath(dbUrl));
  connection.exec('BEGIN EXCLUSIVE');
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      connection.exec('ROLLBACK');
      connection.close();
    },
  };
}

/** A PostgreSQL database of a test's own, made with CREATE DATABASE and dropped by `drop()`. */
export interface TempPostgresDatabase {
  name: string;
  /** The server's URL with this database in its path. */
  url: string;
  /**
   * Makes every new transaction of this database read-only (`ALTER DATABASE … SET
   * default_transaction_read_only`), or writable again, and terminates its open connections so
   * that their next use finds out (connections take the setting when they start).
   */
  setReadOnly(on: boolean): Promise<void>;
  /** Terminates every connection to this database (but the admin one), as a restarting server would. */
  terminateConnections(): Promise<number>;
  /** Drops the database (WITH FORCE: its connections are closed) and closes the admin connection. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, empty database on the server of `serverUrl` (e.g. TEST_POSTGRES_URL), named
 * `tidings_t_<random>`. The admin connection it keeps uses `serverUrl`'s own database.
 */
export async function createTempPostgresDatabase(serverUrl: string): Promise<TempPostgresDatabase> {
  const name = `tidings_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } catch (err) {
    await admin.end();
    throw err;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  url.searchParams.delete('schema');
  const terminateConnections = async () => {
    const result = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return result.rowCount ?? 0;
  };
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    async setReadOnly(on) {
      await admin.query(
        on ? `ALTER DATABASE "${name}" SET default_transaction_read_only = on` : `ALTER DATABASE "${name}" RESET default_transaction_read_only`,
      );
      await terminateConnections();
    },
    terminateConnections,
    drop: () =>
      (dropped ??= (async () => {
        try {
          await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await admin.end();
        }
      })()),
  };
}
