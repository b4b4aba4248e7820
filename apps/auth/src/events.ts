import { randomBytes } from 'node:crypto';
import type { AccountEventKind } from '@tidings/protocol';

/** How long account events are kept: older ones are deleted when the user next signs in. */
export const EVENT_RETENTION_MS = 365 * 24 * 60 * 60 * 1000;

/** The row of one account event (AccountEvent), for `prisma.accountEvent.create({ data })`. */
export function accountEvent(userId: string, kind: AccountEventKind, at: number | Date, detail: string | null = null) {
  return { id: randomBytes(12).toString('base64url'), userId, kind, at: at instanceof Date ? at : new Date(at), detail };
}
