import { TidingsError } from '@tidings/protocol';

/** A unique-constraint violation (two writers racing for one key), from Prisma or from SQLite itself. */
export function isUniqueViolation(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 'P2002' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function idReused(): TidingsError {
  return new TidingsError('CONFLICT', 'this request id was already used for a message in another conversation');
}
