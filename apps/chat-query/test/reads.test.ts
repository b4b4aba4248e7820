import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '@tidings/db';
import { Seed, startTestStack, type TestStack } from '@tidings/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { findConversation } from '../src/context.js';
import { openHistoryReads, type HistoryReads } from '../src/reads.js';
import { msOf } from '../src/wire.js';
import { RoomSeed } from './rooms.js';

describe('history reads on SQLite: prepared statements against Prisma', () => {
  let stack: TestStack | undefined;
  const opened: HistoryReads[] = [];
  afterEach(async () => {
    for (const r of opened.splice(0)) r.close();
    await stack?.close();
  });

  it('answer the same rows for every cursor, caller and conversation', async () => {
    stack = await startTestStack();
    const seed = new Seed(stack.db);
    const general = await seed.room('general', ['alice', 'bob', 'carol']);
    const ab = await seed.dm('alice', 'bob');
    for (let i = 1; i <= 40; i++) await seed.send(i % 3 === 0 ? ab : general, ['alice', 'bob', 'carol'][i % 3]!, `text ${i} ✓`);
    for (const [seq, who] of [
      [1, 'alice'],
      [1, 'bob'],
      [2, 'carol'],
      [4, 'alice'],
      [7, 'bob'],
      [9, 'alice'],
    ] as const)
      await seed.like(general, seq, who);
    await seed.like(ab, 2, 'bob');
    await seed.react(general, 1, 'alice', '🎉');
    await seed.react(general, 1, 'carol', '😢');
    await seed.react(general, 4, 'carol', '👍');
    await seed.edit(general, 4, 'edited');
    await seed.remove(general, 7);
    await seed.remove(ab, 3);
    const rooms = new RoomSeed(seed);
    await rooms.removeBy(general, 10, 'alice');
    await rooms.event(general, 'alice', { k: 'remove', s: 10 });
    await rooms.event(general, 'alice', { k: 'mute', w: 'carol', until: 1_800_000_000_000 });
    await rooms.event(general, 'alice', '{"k":"nonsense"}');
    const secret = await rooms.room('secret', ['alice'], { private: true });
    await seed.send(secret, 'alice', 'text in secret ✓');

    const badEvents: number[][] = [[], []];
    const fast = openHistoryReads(stack.db, { onBadEvent: (s) => badEvents[0]!.push(s) });
    const prisma = openHistoryReads(stack.db, { prisma: true, onBadEvent: (s) => badEvents[1]!.push(s) });
    opened.push(fast, prisma);
    expect([fast.path, prisma.path]).toEqual(['sqlite', 'prisma']);

    let compared = 0;
    for (const caller of ['alice', 'bob', 'carol']) {
      for (const ref of ['general', 'secret', '@bob', '@alice', '@carol']) {
        const a = await findConversation(fast, caller, ref).catch((err: unknown) => err);
        const b = await findConversation(prisma, caller, ref).catch((err: unknown) => err);
        expect(a, `${caller} ${ref}`).toEqual(b);
        if (!a || a instanceof Error) continue;
        const conv = a as { id: string; lastSeq: number };
        for (const take of [1, 3, 51]) {
          for (const cursor of [0, 1, 2, 5, conv.lastSeq, conv.lastSeq + 1]) {
            const q = { conversationId: conv.id, caller, take };
            const older = await fast.olderThan({ ...q, below: cursor });
            expect(older, `${caller} ${ref} older ${cursor}/${take}`).toEqual(await prisma.olderThan({ ...q, below: cursor }));
            const newer = await fast.newerThan({ ...q, above: cursor });
            expect(newer, `${caller} ${ref} newer ${cursor}/${take}`).toEqual(await prisma.newerThan({ ...q, above: cursor }));
            compared += older.length + newer.length;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
    expect(badEvents[0]!.length).toBeGreaterThan(0);
    expect(badEvents[0]).toEqual(badEvents[1]);
    const page = await fast.newerThan({ conversationId: general, caller: 'bob', take: 100, above: 0 });
    expect(page.filter((m) => m.ev || m.rb).map(({ s, rb, ev }) => ({ s, rb, ev }))).toEqual([
      { s: 10, rb: 'alice', ev: undefined },
      { s: 28, rb: undefined, ev: { k: 'remove', s: 10 } },
      { s: 29, rb: undefined, ev: { k: 'mute', w: 'carol', until: 1_800_000_000_000 } },
    ]);
    // a private room: its member reads it on both paths; anyone else is told it does not exist
    await expect(findConversation(fast, 'alice', 'secret')).resolves.toMatchObject({ member: true });
    for (const reads of [fast, prisma]) {
      await expect(findConversation(reads, 'bob', 'secret')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'there is no room named secret' });
    }

    // search: the same hits and cursors on both paths, every page
    let hits = 0;
    for (const caller of ['alice', 'bob', 'carol']) {
      for (const words of [['text'], ['TEXT', '1'], ['edited'], ['✓'], ['nothing']]) {
        for (const conversationId of [undefined, general, ab, secret]) {
          let before: string | undefined;
          for (let page = 0; page < 20; page++) {
            const q = { caller, words, conversationId, before, take: 4 };
            const a = await fast.search(q);
            expect(a, `${caller} ${words.join(' ')} ${conversationId} ${before}`).toEqual(await prisma.search(q));
            hits += a.length;
            if (a.length < 4) break;
            before = a[2]!.cursor;
          }
        }
      }
    }
    expect(hits).toBeGreaterThan(100);
    // both NOT_FOUND paths were compared too
    await expect(findConversation(fast, 'alice', 'nowhere')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(findConversation(fast, 'alice', '@nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(findConversation(fast, 'carol', '@alice')).resolves.toBeNull();
  });

  it('refuse to start on a database that was never migrated, and say so', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tidings-reads-'));
    const db = await openDatabase(`file:${path.join(dir, 'empty.db')}`);
    try {
      expect(() => openHistoryReads(db)).toThrow(/migrated.*no such table/);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('take the Prisma path on an in-memory database, which no second connection could see', async () => {
    stack = await startTestStack();
    const db = { ...stack.db, url: 'file::memory:' };
    const reads = openHistoryReads(db);
    opened.push(reads);
    expect(reads.path).toBe('prisma');
  });
});

describe('msOf', () => {
  it('reads every form a DateTime takes in SQLite as the same instant', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    expect(msOf('2026-01-02T03:04:05.678+00:00')).toBe(t);
    expect(msOf('2026-01-02T03:04:05.678Z')).toBe(t);
    expect(msOf(t)).toBe(t);
    expect(msOf(new Date(t))).toBe(t);
    expect(msOf('2026-01-02 03:04:05')).toBe(t - 678); // CURRENT_TIMESTAMP: UTC without a zone
  });
});
