import { randomUUID } from 'node:crypto';
import { createRpcServer } from '@tidings/service-kit';
import { afterEach, expect, it } from 'vitest';
import { captureLogger, lockSqlite, startSingleService, type SingleServiceHarness } from '../src/index.js';

let h: SingleServiceHarness<{ start(): Promise<void>; stop(): Promise<void> }> | undefined;
afterEach(async () => h?.close());

/**
 * The dispatcher answers a database failure that heals by itself with UNAVAILABLE and a
 * retryAfter (the client tries again with the same id), logged as a warning; any other failure
 * is still INTERNAL, logged as an error. The failures are real: a SQLite database locked by
 * another connection, and a unique index.
 */
it('answers a transient database failure with UNAVAILABLE and retryAfter, and anything else with INTERNAL', async () => {
  const cap = captureLogger('svc');
  h = await startSingleService('sqlite', 'auth', (deps) => {
    const rpc = createRpcServer({
      client: deps.client,
      logger: cap.logger,
      handlers: {
        // A handler that writes: a row per request, under a username the request names.
        'auth.whoami': async (_request, ctx) => {
          const username = ctx.caller.kind === 'user' ? ctx.caller.username : '?';
          await deps.db.prisma.accountEvent.create({
            data: { id: randomUUID(), userId: (await deps.db.prisma.user.findUniqueOrThrow({ where: { username } })).id, kind: 'probe', at: new Date() },
          });
          if (username === 'twice') await deps.db.prisma.user.create({ data: { id: randomUUID(), username, passwordHash: '!' } });
          return { username, createdAt: 0 };
        },
      },
    });
    return { start: () => rpc.start(), stop: () => rpc.close() };
  });
  const db = h.stack.db;
  // The lock is what production meets; only the wait for it is shorter than the 10 s busy timeout.
  db.sqlite()!.pragma('busy_timeout = 100');
  const ann = await h.rawUser('ann', 'dev');

  const lock = lockSqlite(h.stack.dbUrl);
  let locked;
  try {
    locked = await ann.send('auth.whoami', JSON.stringify({ id: 'q1' }));
  } finally {
    lock.release();
  }
  expect(locked).toEqual({ id: 'q1', e: { code: 'UNAVAILABLE', message: expect.stringMatching(/same request id/), retryAfter: 1 } });
  // the same id again, once the lock is gone
  expect(await ann.send('auth.whoami', JSON.stringify({ id: 'q1' }))).toEqual({ id: 'q1', r: { username: 'ann', createdAt: 0 } });

  // Not transient: a unique violation stays INTERNAL.
  const twice = await h.rawUser('twice', 'dev');
  expect(await twice.send('auth.whoami', JSON.stringify({ id: 'q2' }))).toMatchObject({ id: 'q2', e: { code: 'INTERNAL' } });

  const lines = cap.lines().map((l) => JSON.parse(l) as { level: number; msg: string; user?: string; dbError?: string });
  expect(lines.filter((l) => l.user === 'ann' && l.level >= 40)).toEqual([
    expect.objectContaining({ level: 40, msg: 'database unavailable: answered UNAVAILABLE', dbError: 'SQLITE_BUSY' }),
  ]);
  expect(lines.filter((l) => l.user === 'twice' && l.level >= 40)).toEqual([expect.objectContaining({ level: 50, msg: 'handler failed' })]);
});
