import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '@tidings/db';
import { afterEach, expect, it } from 'vitest';
import { applyReaction } from '../src/apply.js';
import { describeBackends } from './helpers.js';
import { Seed } from '@tidings/testkit';
import { startTestStack, type TestStack } from '@tidings/testkit';

describeBackends('applyReaction', (backend) => {
  const applyLike = (db: Database, messageId: string, userId: string, on: boolean) =>
    applyReaction(db, messageId, userId, '❤️', on).then((r) => ({ n: r.rx['❤️'] ?? 0, changed: r.changed }));

  let stack: TestStack | undefined;
  afterEach(async () => stack?.close());

  it('keeps the stored count equal to the likes when 25 people like and unlike one message at once, without the in-process queue', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    // On PostgreSQL a second connection pool, so the transactions really overlap. Not on SQLite:
    // better-sqlite3 waits for a lock synchronously, so two connections in one process would
    // block the event loop that the lock holder needs (across processes it is fine).
    const other: Database = backend === 'postgres' ? await openDatabase(stack.dbUrl) : stack.db;
    try {
      const seed = new Seed(stack.db);
      const general = await seed.room('general', []);
      await seed.send(general, 'star', 'popular');
      const message = await stack.db.prisma.message.findUniqueOrThrow({ where: { conversationId_seq: { conversationId: general, seq: 1 } } });
      const fans = await Promise.all(Array.from({ length: 25 }, (_, i) => seed.userId(`fan${i}`)));
      await Promise.all(fans.slice(0, 5).map((id) => applyLike(stack!.db, message.id, id, true)));

      const results = await Promise.all(fans.map((id, i) => applyLike(i % 2 === 0 ? stack!.db : other, message.id, id, i >= 5 || i % 2 === 0)));
      const likes = await stack.db.prisma.reaction.count({ where: { messageId: message.id } });
      const stored = await stack.db.prisma.message.findUniqueOrThrow({ where: { id: message.id } });
      // fans 0–4 liked first; then 1 and 3 took theirs back and 5–24 liked: 3 + 20.
      expect(likes).toBe(23);
      expect(stored.likeCount).toBe(23);
      expect(results.filter((r) => r.changed)).toHaveLength(22);
      // Each answer is the count right after its own transaction, in whatever order the row lock
      // let them through: from 3 (both unlikes first) up to 25 (both unlikes last), never outside.
      // (It is not always 23 at most: 19 of the new likes can commit before either unlike.)
      for (const r of results) {
        expect(r.n).toBeGreaterThanOrEqual(3);
        expect(r.n).toBeLessThanOrEqual(25);
      }
      expect(Math.max(...results.map((r) => r.n))).toBeGreaterThanOrEqual(23);
    } finally {
      if (other !== stack.db) await other.close();
    }
  });

  it('repairs a drifted count on the next like or unlike', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const seed = new Seed(stack.db);
    const general = await seed.room('general', []);
    await seed.send(general, 'star', 'popular');
    await seed.like(general, 1, 'fan');
    const message = await stack.db.prisma.message.update({
      where: { conversationId_seq: { conversationId: general, seq: 1 } },
      data: { likeCount: 40 },
    });
    const fan = await seed.userId('fan');
    expect(await applyLike(stack.db, message.id, fan, true)).toEqual({ n: 1, changed: true });
    expect((await stack.db.prisma.message.findUniqueOrThrow({ where: { id: message.id } })).likeCount).toBe(1);
    expect(await applyLike(stack.db, message.id, fan, true)).toEqual({ n: 1, changed: false });
  });

  it('refuses a message deleted meanwhile with NOT_FOUND and writes nothing', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const seed = new Seed(stack.db);
    const general = await seed.room('general', []);
    await seed.send(general, 'star', 'gone');
    await seed.remove(general, 1);
    const message = await stack.db.prisma.message.findUniqueOrThrow({ where: { conversationId_seq: { conversationId: general, seq: 1 } } });
    await expect(applyLike(stack.db, message.id, await seed.userId('fan'), true)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await stack.db.prisma.reaction.count()).toBe(0);
  });

  it('answers with the row missing as a Prisma error, never a like of nothing', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const seed = new Seed(stack.db);
    await expect(applyLike(stack.db, randomUUID(), await seed.userId('fan'), true)).rejects.toMatchObject({ code: 'P2025' });
    expect(await stack.db.prisma.reaction.count()).toBe(0);
  });

  it('keeps the summary of several emoji in the set’s order, and each person’s own', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const seed = new Seed(stack.db);
    const general = await seed.room('general', []);
    await seed.send(general, 'star', 'popular');
    const message = await stack.db.prisma.message.findUniqueOrThrow({ where: { conversationId_seq: { conversationId: general, seq: 1 } } });
    const [ann, ben] = [await seed.userId('ann'), await seed.userId('ben')];
    await applyReaction(stack.db, message.id, ann, '😢', true);
    await applyReaction(stack.db, message.id, ben, '👍', true);
    expect(await applyReaction(stack.db, message.id, ann, '👍', true)).toEqual({ rx: { '👍': 2, '😢': 1 }, my: ['👍', '😢'], changed: true });
    const stored = await stack.db.prisma.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(stored).toMatchObject({ likeCount: 3, reactions: '{"👍":2,"😢":1}' });
    await applyReaction(stack.db, message.id, ann, '👍', false);
    await applyReaction(stack.db, message.id, ann, '😢', false);
    expect(await applyReaction(stack.db, message.id, ben, '👍', false)).toEqual({ rx: {}, my: [], changed: true });
    expect(await stack.db.prisma.message.findUniqueOrThrow({ where: { id: message.id } })).toMatchObject({ likeCount: 0, reactions: null });
  });
});
