import { randomBytes } from 'node:crypto';
import type { AccountEventKind } from '@tidings/protocol';

/** How long account events are kept: older ones are deleted when the user next signs in. */
export const EVENT_RETENTION_MS = 365 * 24 * 60 * 60 * 1000;

/** The row of one account event (AccountEvent), for `prisma.accountEvent.create({ data })`. */
export function accountEvent(userId: string, kind: AccountEventKind, at: number | Date, detail: string | null = null) {
  const when = at instanceof Date ? at : new Date(at);
  return { id: eventId(when.getTime()), userId, kind, at: when, detail };
}

/**
 * Event ids sort in the order events were written: the event time, then the wall clock in
 * microseconds, then randomness. auth.events orders by (at, id), so two events of the same
 * millisecond — from either service — still list in the order they happened.
 * The same scheme as apps/security-questions/src/events.ts.
 */
export function eventId(atMs: number): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return `${atMs.toString(36).padStart(9, '0')}${micros.toString(36).padStart(11, '0')}${randomBytes(6).toString('base64url')}`;
}
