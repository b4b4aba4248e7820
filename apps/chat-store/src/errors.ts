import { TidingsError } from '@tidings/protocol';

/** Prisma's unique-constraint violation (two writers racing for one key). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

export function idReused(): TidingsError {
  return new TidingsError('CONFLICT', 'this request id was already used for a message in another conversation');
}
