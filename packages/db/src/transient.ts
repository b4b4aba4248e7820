/**
 * Which database failures heal by themselves, so that trying the same thing again shortly may
 * succeed: the database is read-only for a moment (a failover, a standby being promoted), a
 * connection broke or could not be made, the server is out of connections, a transaction lost a
 * serialization race or a deadlock, a lock was held too long. Everything else — a constraint, a
 * missing table, bad SQL, a read-only SQLite file — is not: trying again does the same.
 *
 * The shapes are those Prisma 6.19 with driver adapters throws (seen by provoking each failure
 * against real databases; test/transient.test.ts does it again):
 *  - `PrismaClientKnownRequestError` with a `code` (`P1001`, `P2010` for raw queries, …) and the
 *    adapter's error under `meta.driverAdapterError`;
 *  - a bare `DriverAdapterError` (model queries on PostgreSQL with an unmapped SQLSTATE, e.g. a
 *    read-only INSERT) whose `cause` is `{ kind, originalCode, code? }`: `kind` is Prisma's name
 *    for the failure (`DatabaseNotReachable`, `TransactionWriteConflict`, …) or `postgres` with
 *    the SQLSTATE in `code`; on SQLite `originalCode` is better-sqlite3's (`SQLITE_BUSY`);
 *  - the driver's own error, unwrapped: pg's `Error('Connection terminated unexpectedly')`
 *    (no code at all), a pg `DatabaseError` with its SQLSTATE in `code`, a Node socket error
 *    (`ECONNREFUSED`), or better-sqlite3's `SqliteError` with `code` (`SQLITE_BUSY`) from the
 *    prepared statements that run beside Prisma.
 */

/** PostgreSQL SQLSTATEs (exact) that are transient. */
const PG_STATES = new Set([
  '25006', // read_only_sql_transaction: a read-only database or a standby (failover)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown: the connection was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down or in recovery
]);

/** PostgreSQL SQLSTATE classes that are transient as a whole. */
const PG_CLASSES = new Set([
  '08', // connection_exception
  '53', // insufficient_resources: too many connections, out of memory or disk
]);

/**
 * Prisma error codes that are transient: the server cannot be reached (P1001) or timed out (P1002,
 * P1008 — also SQLite's SQLITE_BUSY), closed the connection (P1017), the pool had no connection in
 * time (P2024), an interactive transaction could not start in time or expired (P2028), a write
 * conflict or deadlock (P2034), too many connections (P2037).
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034', 'P2037']);

/** The adapters' `kind`s that are transient (Prisma maps them to the codes above). */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionWriteConflict']);

/** Node socket errors on the way to the database server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * SQLite: another connection holds a lock (BUSY, after the busy timeout) or a table is locked
 * (LOCKED), with their extended codes. Not SQLITE_READONLY (a read-only file, directory or mount:
 * a setting, which does not change by itself) nor SQLITE_IOERR / SQLITE_FULL / SQLITE_CORRUPT (the
 * disk or the file is failing: an operator has to act, and writing on may make it worse).
 */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED)(_|$)/;

/** pg's errors for a connection that went away, which carry no code. */
const PG_CONNECTION_LOST = /^Connection terminated|Client has encountered a connection error|Client was closed and is not queryable/;

function codeOf(value: unknown, key: 'code' | 'originalCode' | 'kind'): string | undefined {
  const v = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Why a code (SQLSTATE, SQLite code, Prisma code or socket error) is transient, or undefined. */
function transientCode(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  if (/^[0-9A-Z]{5}$/.test(code) && (PG_STATES.has(code) || PG_CLASSES.has(code.slice(0, 2)))) return code;
  if (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLITE_TRANSIENT.test(code)) return code;
  return undefined;
}

/**
 * The code that makes a database error transient — a SQLSTATE (`25006`), a SQLite code
 * (`SQLITE_BUSY`), a Prisma code (`P1001`), a socket error (`ECONNREFUSED`), or
 * `connection-lost` for pg's code-less "Connection terminated" — or undefined when it is not
 * transient (or not a database error at all). The most specific code wins: the SQLSTATE under a
 * Prisma wrapper before the wrapper's own code.
 */
export function transientDbErrorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  // Depth-first through the wrappers: Prisma's meta.driverAdapterError, the adapter's cause, Error.cause.
  const visit = (e: unknown, depth: number): string | undefined => {
    if (typeof e !== 'object' || e === null || seen.has(e) || depth > 6) return undefined;
    seen.add(e);
    const inner =
      visit((e as { meta?: { driverAdapterError?: unknown } }).meta?.driverAdapterError, depth + 1) ?? visit((e as { cause?: unknown }).cause, depth + 1);
    if (inner) return inner;
    const own =
      transientCode(codeOf(e, 'originalCode')) ??
      transientCode(codeOf(e, 'code')) ??
      (ADAPTER_KINDS.has(codeOf(e, 'kind') ?? '') ? codeOf(e, 'kind') : undefined);
    if (own) return own;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && PG_CONNECTION_LOST.test(message)) return 'connection-lost';
    return undefined;
  };
  return visit(err, 0);
}

/**
 * True when `err` is a database failure that may heal by itself within seconds, so the same
 * request may succeed when tried again (see {@link transientDbErrorCode} for what counts).
 * Services answer it with UNAVAILABLE and a retryAfter instead of INTERNAL.
 */
export function isTransientDbError(err: unknown): boolean {
  return transientDbErrorCode(err) !== undefined;
}
