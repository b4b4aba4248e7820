import { lockSqlite, waitUntil, type SqliteLock } from '@tidings/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatStoreSettings } from '../src/settings.js';
import { startChat, type ChatHarness, type Reply } from './helpers.js';

/**
 * chat-store while its database fails for a while: here a SQLite database whose write lock another
 * connection holds (what a long transaction of another process does). The PostgreSQL read-only
 * spell under a stream of sends is in db-outage-scenario.test.ts.
 */
describe('chat-store while the database is locked', () => {
  let h: ChatHarness | undefined;
  let lock: SqliteLock | undefined;
  afterEach(async () => {
    lock?.release();
    lock = undefined;
    await h?.close();
    h = undefined;
  });

  async function setup(settings: Partial<ChatStoreSettings> = {}) {
    h = await startChat('sqlite', { settings: { sendBurst: 3, sendRatePerSecond: 0.001, ...settings } });
    // Production waits 10 s for a lock; the path is the same with a shorter wait.
    h.stack.db.sqlite()!.pragma('busy_timeout = 50');
    const ann = await h.raw('ann');
    expect((await ann.call('room.join', 'j', { name: 'general' })).r).toBeDefined();
    return { h, ann };
  }

  /** Settles to the reply, or to 'none' when none came within `ms`. */
  function within(reply: Promise<Reply>, ms: number): Promise<Reply | 'none'> {
    return Promise.race([reply, new Promise<'none'>((resolve) => setTimeout(() => resolve('none'), ms))]);
  }

  const send = (id: string, x = id) => ['chat.send', id, { c: 'general', x }] as const;

  it('acknowledges a send made while the database is locked once it is free, and a retry of its id joins it', async () => {
    const { h, ann } = await setup();
    lock = lockSqlite(h.stack.dbUrl);
    const first = ann.call(...send('m1'));
    const second = ann.call(...send('m2'));
    await waitUntil('two sends waiting', async () => (h.service.waiting === 2 ? true : undefined));
    // The client retries while they wait (same ids): nothing new waits, nothing is answered yet.
    const retries = [ann.call(...send('m1')), ann.call(...send('m1')), ann.call(...send('m2'))];
    expect(await within(first, 500)).toBe('none');
    expect(h.service.waiting).toBe(2);
    lock.release();

    expect((await first).r).toMatchObject({ s: 1 });
    expect((await second).r).toMatchObject({ s: 2 });
    expect((await Promise.all(retries)).map((r) => (r.r as { s: number }).s)).toEqual([1, 1, 2]);
    // The retries took no send token: the third of the burst of 3 is still there, the fourth is not.
    expect((await ann.call(...send('m3'))).r).toMatchObject({ s: 3 });
    expect((await ann.call(...send('m4'))).e).toMatchObject({ code: 'RATE_LIMITED' });
    const rows = await h.messages('room_general');
    expect(rows.map((m) => [m.seq, m.clientKey])).toEqual([
      [1, 'm1'],
      [2, 'm2'],
      [3, 'm3'],
    ]);
  });

  it('answers UNAVAILABLE with a retryAfter once a send has waited its horizon, and its retry is stored once', async () => {
    const { h, ann } = await setup({ dbRetryMs: 300 });
    lock = lockSqlite(h.stack.dbUrl);
    const refused = await ann.call(...send('m1'));
    expect(refused).toEqual({ id: 'm1', e: { code: 'UNAVAILABLE', message: expect.stringMatching(/same id/), retryAfter: 5 } });
    expect(h.service.waiting).toBe(0);
    lock.release();
    expect(await h.stack.db.prisma.message.count()).toBe(0);

    expect((await ann.call(...send('m1'))).r).toMatchObject({ s: 1 });
    // UNAVAILABLE gave its token back: m1 took one, m2 and m3 the other two.
    expect((await ann.call(...send('m2'))).r).toMatchObject({ s: 2 });
    expect((await ann.call(...send('m3'))).r).toMatchObject({ s: 3 });
    expect((await ann.call(...send('m4'))).e).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('refuses a new send at once while maxWaiting sends wait, but lets a retry of a waiting id join', async () => {
    const { h, ann } = await setup({ maxWaiting: 2, sendBurst: 10 });
    lock = lockSqlite(h.stack.dbUrl);
    const waiting = [ann.call(...send('m1')), ann.call(...send('m2'))];
    await waitUntil('two sends waiting', async () => (h.service.waiting === 2 ? true : undefined));
    expect(await ann.call(...send('m3'))).toMatchObject({ id: 'm3', e: { code: 'UNAVAILABLE', retryAfter: 5 } });
    const retry = ann.call(...send('m1'));
    expect(await within(retry, 300)).toBe('none');
    lock.release();
    expect((await Promise.all([...waiting, retry])).map((r) => (r.r as { s: number }).s)).toEqual([1, 2, 1]);
    expect((await ann.call(...send('m3'))).r).toMatchObject({ s: 3 });
  });

  it('answers other requests UNAVAILABLE from the dispatcher, and the same id works once the lock is gone', async () => {
    const { h, ann } = await setup();
    lock = lockSqlite(h.stack.dbUrl);
    expect(await ann.call('room.create', 'c1', { name: 'lounge' })).toEqual({
      id: 'c1',
      e: { code: 'UNAVAILABLE', message: expect.stringMatching(/same request id/), retryAfter: 1 },
    });
    lock.release();
    expect(await ann.call('room.create', 'c1', { name: 'lounge' })).toEqual({ id: 'c1', r: { name: 'lounge', lastSeq: 0 } });
  });

  it('does not let a locked database hold up a stop: the waiting sends get UNAVAILABLE', async () => {
    const { h, ann } = await setup();
    lock = lockSqlite(h.stack.dbUrl);
    const waiting = ann.call(...send('m1'));
    await waitUntil('a send waiting', async () => (h.service.waiting === 1 ? true : undefined));
    const started = performance.now();
    await h.stopService();
    expect(performance.now() - started).toBeLessThan(5000); // not the 30 s horizon
    expect(await waiting).toMatchObject({ id: 'm1', e: { code: 'UNAVAILABLE' } });
    lock.release();
    expect(await h.stack.db.prisma.message.count()).toBe(0);
  });
});
