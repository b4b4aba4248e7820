import type { AccountEventKind } from '@tidings/protocol';
import type { Database } from '@tidings/db';
import { accountEvent, type Logger } from '@tidings/service-kit';

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
