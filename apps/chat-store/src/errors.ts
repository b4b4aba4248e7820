import { TidingsError } from '@tidings/protocol';

/**
 * A unique-constraint violation (two writers racing for one key): Prisma's P2002, SQLite's own
 * codes, or — from a raw statement on PostgreSQL (the writer's batched INSERT) — Prisma's P2010
 * "raw query failed" carrying PostgreSQL's 23505. Missing that last one made a lost race on
 * PostgreSQL fail a send instead of retrying it (the writer test with two writers, under load).
 */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, meta, message } = err as { code?: unknown; meta?: { code?: unknown }; message?: unknown };
  if (code === 'P2002' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return code === 'P2010' && (meta?.code === '23505' || (typeof message === 'string' && message.includes('Code: `23505`')));
}

export function idReused(): TidingsError {
  return new TidingsError('CONFLICT', 'this request id was already used for a message in another conversation');
}
