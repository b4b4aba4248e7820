import { randomBytes } from 'node:crypto';
import type { AccountEventKind } from '@tidings/protocol';
import type { Database } from '@tidings/db';
import type { Logger } from '@tidings/service-kit';

/** The row of one account event (AccountEvent), as auth writes them too (apps/auth/src/events.ts). */
export function accountEvent(userId: string, kind: AccountEventKind, at: number | Date, detail: string | null = null) {
  const when = at instanceof Date ? at : new Date(at);
  return { id: eventId(when.getTime()), userId, kind, at: when, detail };
}

/**
 * Event ids sort in the order events were written: the event time, then the wall clock in
 * microseconds, then randomness. auth.events orders by (at, id), so two events of the same
 * millisecond — from either service — still list in the order they happened.
 * The same scheme as apps/auth/src/events.ts.
 */
export function eventId(atMs: number): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return `${atMs.toString(36).padStart(9, '0')}${micros.toString(36).padStart(11, '0')}${randomBytes(6).toString('base64url')}`;
}

export interface LaterEvents {
  /**
   * Records an event after the current request has been answered (next turn of the event loop).
   * For failed recovery attempts: writing one only for accounts that exist, before the answer,
   * would make a known username answer later than an unknown one.
   */
  record(userId: string, kind: AccountEventKind, at: number, detail: string | null): void;
  /** Waits for every write still pending (on stop, and in tests). */
  flush(): Promise<void>;
}

export function createLaterEvents(db: Database, logger: Logger): LaterEvents {
  const pending = new Set<Promise<void>>();
  return {
    record(userId, kind, at, detail) {
      const task = new Promise<void>((resolve) => setImmediate(resolve))
        .then(async () => {
          await db.prisma.accountEvent.create({ data: accountEvent(userId, kind, at, detail) });
        })
        .catch((err: unknown) => logger.warn({ err, kind }, 'could not record an account event'));
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
    async flush() {
      await Promise.allSettled([...pending]);
    },
  };
}
