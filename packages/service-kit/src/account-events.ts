import { randomBytes } from 'node:crypto';
import type { AccountEventKind } from '@tidings/protocol';

/**
 * The row of one account event (AccountEvent), for `prisma.accountEvent.create({ data })`.
 * auth (sign-ins, password changes, revocations) and security-questions (question set, codes
 * made, resets) both write them, and `auth.events` lists them together, so both build rows here.
 */
export function accountEvent(userId: string, kind: AccountEventKind, at: number | Date, detail: string | null = null) {
  const when = at instanceof Date ? at : new Date(at);
  return { id: eventId(when.getTime()), userId, kind, at: when, detail };
}

/**
 * Event ids sort in the order events were written: the event time, then the wall clock in
 * microseconds, then randomness. auth.events orders by (at, id), so two events of the same
 * millisecond — from either service — still list in the order they happened.
 */
export function eventId(atMs: number): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return `${atMs.toString(36).padStart(9, '0')}${micros.toString(36).padStart(11, '0')}${randomBytes(6).toString('base64url')}`;
}
