import { randomUUID } from 'node:crypto';
import { startTestStack, testLogger, type TestStack } from '@tidings/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationInfo, UserRef } from '../src/directory.js';
import { MessageWriter, type StoredMessage } from '../src/writer.js';
import { describeBackends, isContiguous } from './helpers.js';

/** The message writer on its own, against a real database (no broker traffic). */
describeBackends('the message writer', (backend) => {
  // On SQLite the writer runs its batches as prepared statements on Prisma's connection; the
  // Prisma path (PostgreSQL's) must keep working on SQLite too, so both are tested there.
  describe.each(backend === 'sqlite' ? ['prepared statements', 'Prisma'] : ['Prisma'])('through %s', (path) => {
    const prepared = path === 'prepared statements';
    let stack: TestStack | undefined;
    afterEach(async () => {
      await stack?.close();
      stack = undefined;
    });

    const general: ConversationInfo = { id: 'room_general', kind: 'room', name: 'general', participants: null, private: false };

    async function setup() {
      stack = await startTestStack({ postgres: backend === 'postgres' });
      const users: UserRef[] = [];
      for (const username of ['ann', 'ben', 'cat']) {
        const u = await stack.db.prisma.user.create({ data: { id: randomUUID(), username, passwordHash: '!' } });
        await stack.db.prisma.membership.create({ data: { conversationId: general.id, userId: u.id } });
        users.push({ id: u.id, username });
      }
      return { db: stack.db, users };
    }

    function writer(db: TestStack['db'], stored: StoredMessage[] = [], maxBatch = 256) {
      return new MessageWriter({
        prisma: db.prisma,
        provider: db.provider,
        ...(prepared ? { sqlite: db.sqlite } : {}),
        logger: testLogger(),
        now: Date.now,
        maxBatch,
        recentAcks: 1000,
        cacheSize: 1000,
        maxWaiting: 10_000,
        retry: { horizonMs: 30_000, baseMs: 50, maxMs: 1000 },
        onStored: (m) => stored.push(m),
      });
    }

    async function seqs(db: TestStack['db']): Promise<number[]> {
      const rows = await db.prisma.message.findMany({ where: { conversationId: general.id }, orderBy: { seq: 'asc' }, select: { seq: true } });
      return rows.map((r) => r.seq);
    }

    it('writes the sends that arrive together in batches of at most maxBatch, numbered without gaps', async () => {
      const { db, users } = await setup();
      const stored: StoredMessage[] = [];
      const w = writer(db, stored, 100);
      const acks = await Promise.all(
        Array.from({ length: 250 }, (_, i) => w.submit({ conv: general, sender: users[i % 3]!, clientKey: `k${i}`, text: `m${i}` })),
      );
      expect(acks.map((a) => a.s)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
      expect(w.batches).toBe(3);
      expect(stored.map((m) => m.s)).toEqual(acks.map((a) => a.s));
      expect(isContiguous(await seqs(db))).toBe(true);
      expect((await db.prisma.conversation.findUniqueOrThrow({ where: { id: general.id } })).lastSeq).toBe(250);
    });

    it('stores the rest of a failed batch one by one and refuses only the send that cannot be stored, leaving no hole', async () => {
      const { db, users } = await setup();
      const w = writer(db);
      const ghost: UserRef = { id: randomUUID(), username: 'ghost' }; // no such user: its row breaks a foreign key
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => w.submit({ conv: general, sender: i === 2 ? ghost : users[i % 3]!, clientKey: `k${i}`, text: `m${i}` })),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      const acks = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.s] : []));
      expect(acks).toEqual([1, 2, 3, 4, 5]);
      expect(await seqs(db)).toEqual([1, 2, 3, 4, 5]);
      // and it goes on from there
      expect((await w.submit({ conv: general, sender: users[0]!, clientKey: 'after', text: 'after' })).s).toBe(6);
    });

    it('never duplicates or skips a sequence number even when a second writer (a forbidden second instance) interleaves', async () => {
      const { db, users } = await setup();
      const a = writer(db);
      const b = writer(db);
      const [ann, ben] = users as [UserRef, UserRef];
      expect((await a.submit({ conv: general, sender: ann, clientKey: 'a1', text: 'a1' })).s).toBe(1);
      expect((await b.submit({ conv: general, sender: ben, clientKey: 'b1', text: 'b1' })).s).toBe(2);
      // a still believes lastSeq is 1: its batch fails, it rereads, and stores at 3
      expect((await a.submit({ conv: general, sender: ann, clientKey: 'a2', text: 'a2' })).s).toBe(3);
      // the same key through both writers at once: stored once, both answered with the same ack
      const [x, y] = await Promise.all([
        a.submit({ conv: general, sender: ben, clientKey: 'both', text: 'both' }),
        b.submit({ conv: general, sender: ben, clientKey: 'both', text: 'both' }),
      ]);
      expect({ s: x.s, at: x.at }).toEqual({ s: y.s, at: y.at });
      expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
      expect(await seqs(db)).toEqual([1, 2, 3, 4]);
    });

    it('notices when lastSeq was moved behind its back and numbers on from the stored value instead of reusing numbers', async () => {
      const { db, users } = await setup();
      const w = writer(db);
      expect((await w.submit({ conv: general, sender: users[0]!, clientKey: 'k1', text: 'one' })).s).toBe(1);
      // something else (a second instance) claimed numbers 2..6 without this writer knowing
      await db.prisma.conversation.update({ where: { id: general.id }, data: { lastSeq: 6 } });
      expect((await w.submit({ conv: general, sender: users[0]!, clientKey: 'k2', text: 'two' })).s).toBe(7);
      expect(await seqs(db)).toEqual([1, 7]);
      expect((await db.prisma.conversation.findUniqueOrThrow({ where: { id: general.id } })).lastSeq).toBe(7);
    });

    it('answers a key stored earlier from the database, and refuses it for another conversation', async () => {
      const { db, users } = await setup();
      const first = await writer(db).submit({ conv: general, sender: users[0]!, clientKey: 'old', text: 'old' });
      const fresh = writer(db); // a restarted process remembers nothing
      const again = await fresh.submit({ conv: general, sender: users[0]!, clientKey: 'old', text: 'old' });
      expect(again).toEqual({ s: first.s, at: first.at, duplicate: true });
      await db.prisma.conversation.create({ data: { id: 'room_other', kind: 'room', name: 'other' } });
      const other: ConversationInfo = { id: 'room_other', kind: 'room', name: 'other', participants: null, private: false };
      await expect(writer(db).submit({ conv: other, sender: users[0]!, clientKey: 'old', text: 'old' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await db.prisma.message.count()).toBe(1);
    });
    if (prepared)
      it('waits for a Prisma transaction open on the same connection instead of joining it (and rolling back with it)', async () => {
        const { db, users } = await setup();
        const w = writer(db);
        let ack: Promise<{ s: number }> | undefined;
        await expect(
          db.prisma.$transaction(async (tx) => {
            await tx.user.create({ data: { id: randomUUID(), username: 'doomed', passwordHash: '!' } });
            ack = w.submit({ conv: general, sender: users[0]!, clientKey: 'k1', text: 'kept' });
            await new Promise((resolve) => setTimeout(resolve, 50)); // the writer's turn comes while the transaction is open
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        expect((await ack!).s).toBe(1);
        expect(await seqs(db)).toEqual([1]);
        expect(await db.prisma.user.count({ where: { username: 'doomed' } })).toBe(0);
      });
  });
});
