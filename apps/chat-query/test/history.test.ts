import type { Message } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChatQuery, type QueryHarness } from './helpers.js';

const seqs = (messages: Message[]) => messages.map((m) => m.s);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeBackends('chat.history', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('answers the newest page ascending, says older messages exist, and gives the last sequence number', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.sendMany(general, 'bob', 120);
    const alice = await h.user('alice');

    const page = await alice.request('chat.history', { c: 'general' });
    expect(page.c).toBe('general');
    expect(seqs(page.messages)).toEqual(range(71, 120));
    expect(page.more).toBe(true);
    expect(page.lastSeq).toBe(120);
    expect(page.messages[0]).toEqual({ s: 71, u: 'bob', x: 'message 71', at: expect.any(Number) });
    expect(page.messages[49]!.at).toBeGreaterThan(page.messages[0]!.at);

    const small = await alice.request('chat.history', { c: 'general', limit: 10 });
    expect(seqs(small.messages)).toEqual(range(111, 120));
    const all = await alice.request('chat.history', { c: 'general', limit: 100 });
    expect(seqs(all.messages)).toEqual(range(21, 120));
    expect(all.more).toBe(true);
  });

  it('pages back with before, and says when the first message is reached', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.sendMany(general, 'alice', 120);
    const alice = await h.user('alice');

    const older = await alice.request('chat.history', { c: 'general', before: 71 });
    expect(seqs(older.messages)).toEqual(range(21, 70));
    expect(older.more).toBe(true);
    const oldest = await alice.request('chat.history', { c: 'general', before: 21 });
    expect(seqs(oldest.messages)).toEqual(range(1, 20));
    expect(oldest.more).toBe(false);
    const exactly = await alice.request('chat.history', { c: 'general', before: 51, limit: 50 });
    expect(seqs(exactly.messages)).toEqual(range(1, 50));
    expect(exactly.more).toBe(false);
    const none = await alice.request('chat.history', { c: 'general', before: 1 });
    expect(none).toEqual({ c: 'general', messages: [], more: false, lastSeq: 120 });
  });

  it('treats a before beyond the last message, even one too big for a 32-bit column, as the newest page', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.sendMany(general, 'alice', 5);
    const alice = await h.user('alice');
    for (const before of [6, 7, 3_000_000_000, Number.MAX_SAFE_INTEGER]) {
      const page = await alice.request('chat.history', { c: 'general', before });
      expect(seqs(page.messages), `before ${before}`).toEqual(range(1, 5));
      expect(page.more).toBe(false);
    }
  });

  it('fills a gap with after: ascending from after + 1, more while newer messages remain', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.sendMany(general, 'alice', 120);
    const alice = await h.user('alice');

    const tail = await alice.request('chat.history', { c: 'general', after: 100 });
    expect(seqs(tail.messages)).toEqual(range(101, 120));
    expect(tail.more).toBe(false);
    const some = await alice.request('chat.history', { c: 'general', after: 10, limit: 5 });
    expect(seqs(some.messages)).toEqual(range(11, 15));
    expect(some.more).toBe(true);
    const fromStart = await alice.request('chat.history', { c: 'general', after: 0, limit: 100 });
    expect(seqs(fromStart.messages)).toEqual(range(1, 100));
    expect(fromStart.more).toBe(true);
    for (const after of [120, 500, 3_000_000_000]) {
      expect(await alice.request('chat.history', { c: 'general', after })).toEqual({ c: 'general', messages: [], more: false, lastSeq: 120 });
    }
  });

  it('gap-fills exactly the messages sent while away, then nothing', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.sendMany(general, 'bob', 7, 'before');
    const alice = await h.user('alice');
    const held = await alice.request('chat.history', { c: 'general' });
    const high = held.lastSeq;
    await h.seed.sendMany(general, 'bob', 130, 'away');

    const got: Message[] = [];
    let after = high;
    for (;;) {
      const page = await alice.request('chat.history', { c: 'general', after, limit: 100 });
      got.push(...page.messages);
      after = page.messages.at(-1)?.s ?? after;
      if (!page.more) break;
    }
    expect(seqs(got)).toEqual(range(8, 137));
    expect(got.map((m) => m.x)).toEqual(Array.from({ length: 130 }, (_, i) => `away ${i + 1}`));
  });

  it('pages through 250 messages with before and yields each exactly once, in order', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.sendMany(general, 'alice', 250);
    const alice = await h.user('alice');

    const pages: Message[][] = [];
    let page = await alice.request('chat.history', { c: 'general', limit: 30 });
    pages.push(page.messages);
    while (page.more) {
      page = await alice.request('chat.history', { c: 'general', before: page.messages[0]!.s, limit: 30 });
      pages.push(page.messages);
    }
    const all = pages.reverse().flat();
    expect(seqs(all)).toEqual(range(1, 250));
    expect(new Set(all.map((m) => m.x)).size).toBe(250);
    expect(pages).toHaveLength(9); // 8 full pages of 30 and one of 10
  });

  it('shows deleted messages as tombstones and edited ones with their edit time', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'one', 'two', 'three');
    await h.seed.like(general, 2, 'alice');
    await h.seed.remove(general, 2);
    const editedAt = await h.seed.edit(general, 3, 'three (fixed)');
    const alice = await h.user('alice');

    const page = await alice.request('chat.history', { c: 'general' });
    expect(page.messages).toEqual([
      { s: 1, u: 'bob', x: 'one', at: expect.any(Number) },
      { s: 2, u: 'bob', x: '', at: expect.any(Number), del: true },
      { s: 3, u: 'bob', x: 'three (fixed)', at: expect.any(Number), ed: editedAt },
    ]);
  });

  it('gives each message its like count and marks the ones the caller likes', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob', 'carol']);
    await h.seed.send(general, 'carol', 'one', 'two', 'three');
    await h.seed.like(general, 1, 'alice');
    await h.seed.like(general, 1, 'bob');
    await h.seed.like(general, 2, 'bob');
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');

    const byAlice = await alice.request('chat.history', { c: 'general' });
    expect(byAlice.messages.map(({ s, rx, my }) => ({ s, rx, my }))).toEqual([
      { s: 1, rx: { '❤️': 2 }, my: ['❤️'] },
      { s: 2, rx: { '❤️': 1 }, my: undefined },
      { s: 3, rx: undefined, my: undefined },
    ]);
    expect('rx' in byAlice.messages[2]!).toBe(false);
    const byBob = await bob.request('chat.history', { c: 'general' });
    expect(byBob.messages.map(({ rx, my }) => ({ rx, my }))).toEqual([
      { rx: { '❤️': 2 }, my: ['❤️'] },
      { rx: { '❤️': 1 }, my: ['❤️'] },
      { rx: undefined, my: undefined },
    ]);
    const byCarol = await carol.request('chat.history', { c: 'general' });
    expect(byCarol.messages.filter((m) => m.my)).toEqual([]);
  });

  it('gives each message its reactions per emoji in the set’s order, and each caller the ones they gave', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'one', 'two');
    await h.seed.react(general, 1, 'bob', '😢');
    await h.seed.react(general, 1, 'alice', '👍');
    await h.seed.react(general, 1, 'bob', '👍');
    await h.seed.react(general, 1, 'alice', '🎉');
    await h.seed.react(general, 2, 'alice', '😂');
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const mallory = await h.user('mallory'); // not a member: reads the room, gave nothing
    const view = async (conn: typeof alice) => (await conn.request('chat.history', { c: 'general' })).messages.map(({ s, rx, my }) => ({ s, rx, my }));
    expect(await view(alice)).toEqual([
      { s: 1, rx: { '👍': 2, '🎉': 1, '😢': 1 }, my: ['👍', '🎉'] },
      { s: 2, rx: { '😂': 1 }, my: ['😂'] },
    ]);
    expect(await view(bob)).toEqual([
      { s: 1, rx: { '👍': 2, '🎉': 1, '😢': 1 }, my: ['👍', '😢'] },
      { s: 2, rx: { '😂': 1 }, my: undefined },
    ]);
    expect(await view(mallory)).toEqual([
      { s: 1, rx: { '👍': 2, '🎉': 1, '😢': 1 }, my: undefined },
      { s: 2, rx: { '😂': 1 }, my: undefined },
    ]);
    // the same through Prisma's path (PostgreSQL's, and SQLite's fallback) is in history-paths tests
    const raw = JSON.stringify((await alice.request('chat.history', { c: 'general' })).messages[0]);
    expect(raw).toContain('"rx":{"👍":2,"🎉":1,"😢":1},"my":["👍","🎉"]');
  });

  it('lets any signed-in user read a room, members or not, and answers NOT_FOUND for a room that does not exist', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.send(general, 'alice', 'hello, room');
    const dave = await h.user('dave');
    const page = await dave.request('chat.history', { c: 'general' });
    expect(page.messages.map((m) => m.x)).toEqual(['hello, room']);
    await expect(dave.request('chat.history', { c: 'nowhere' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads a direct conversation from either side by naming the other person', async () => {
    h = await startChatQuery(backend);
    const ab = await h.seed.dm('alice', 'bob');
    await h.seed.send(ab, 'alice', 'hi bob');
    await h.seed.send(ab, 'bob', 'hi alice');
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const fromAlice = await alice.request('chat.history', { c: '@bob' });
    const fromBob = await bob.request('chat.history', { c: '@alice' });
    expect(fromAlice).toEqual({ ...fromBob, c: '@bob' });
    expect(fromAlice.messages.map((m) => `${m.u}: ${m.x}`)).toEqual(['alice: hi bob', 'bob: hi alice']);
    expect(fromAlice.lastSeq).toBe(2);
  });

  it('answers an empty page for a direct conversation with no message yet, and NOT_FOUND for a user who does not exist', async () => {
    h = await startChatQuery(backend);
    await h.seed.userId('bob');
    const alice = await h.user('alice');
    expect(await alice.request('chat.history', { c: '@bob' })).toEqual({ c: '@bob', messages: [], more: false, lastSeq: 0 });
    await expect(alice.request('chat.history', { c: '@nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('never shows a third user someone else’s direct conversation: @bob is always the caller’s own', async () => {
    h = await startChatQuery(backend);
    const ab = await h.seed.dm('alice', 'bob');
    await h.seed.send(ab, 'alice', 'a secret for bob');
    await h.seed.send(ab, 'bob', 'a secret for alice');
    const carol = await h.user('carol');

    for (const c of ['@bob', '@alice']) {
      const page = await carol.request('chat.history', { c });
      expect(page, c).toEqual({ c, messages: [], more: false, lastSeq: 0 });
      expect((await carol.request('chat.history', { c, after: 0 })).messages, c).toEqual([]);
    }
    const cb = await h.seed.dm('carol', 'bob');
    await h.seed.send(cb, 'bob', 'hello carol');
    const page = await carol.request('chat.history', { c: '@bob' });
    expect(page.messages.map((m) => m.x)).toEqual(['hello carol']);
    expect(JSON.stringify(page)).not.toContain('secret');
  });

  it('reads on the path of its backend: prepared statements on a SQLite file, Prisma on PostgreSQL', async () => {
    h = await startChatQuery(backend);
    expect(h.service.historyReads).toBe(backend === 'sqlite' ? 'sqlite' : 'prisma');
  });

  it('gives likes, me, edits, tombstones and exact times alike on the newest, before and after pages, for each reader', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob', 'carol']);
    const texts = ['one', 'two «quoted» "text"', 'three', 'four 🎉 emoji', 'five\nwith a line break', 'six'];
    await h.seed.send(general, 'bob', texts[0]!);
    await h.seed.send(general, 'carol', texts[1]!);
    await h.seed.send(general, 'bob', texts[2]!);
    await h.seed.send(general, 'alice', texts[3]!);
    await h.seed.send(general, 'bob', texts[4]!, texts[5]!);
    await h.seed.like(general, 1, 'alice');
    await h.seed.like(general, 1, 'carol');
    const edited2 = await h.seed.edit(general, 2, 'two, fixed');
    await h.seed.like(general, 3, 'alice');
    await h.seed.remove(general, 3);
    await h.seed.like(general, 4, 'bob');
    const edited5 = await h.seed.edit(general, 5, 'five, fixed');
    await h.seed.like(general, 5, 'alice');
    // Sent times as stored, read back through Prisma: the page must carry exactly these.
    const stored = await h.seed.prisma.message.findMany({ where: { conversationId: general }, orderBy: { seq: 'asc' }, select: { createdAt: true } });
    const at = stored.map((m) => m.createdAt.getTime());
    expect(new Set(at).size).toBe(6);

    const expected: Record<string, Message[]> = {
      alice: [
        { s: 1, u: 'bob', x: 'one', at: at[0]!, rx: { '❤️': 2 }, my: ['❤️'] },
        { s: 2, u: 'carol', x: 'two, fixed', at: at[1]!, ed: edited2 },
        { s: 3, u: 'bob', x: '', at: at[2]!, del: true },
        { s: 4, u: 'alice', x: texts[3]!, at: at[3]!, rx: { '❤️': 1 } },
        { s: 5, u: 'bob', x: 'five, fixed', at: at[4]!, ed: edited5, rx: { '❤️': 1 }, my: ['❤️'] },
        { s: 6, u: 'bob', x: texts[5]!, at: at[5]! },
      ],
      bob: [
        { s: 1, u: 'bob', x: 'one', at: at[0]!, rx: { '❤️': 2 } },
        { s: 2, u: 'carol', x: 'two, fixed', at: at[1]!, ed: edited2 },
        { s: 3, u: 'bob', x: '', at: at[2]!, del: true },
        { s: 4, u: 'alice', x: texts[3]!, at: at[3]!, rx: { '❤️': 1 }, my: ['❤️'] },
        { s: 5, u: 'bob', x: 'five, fixed', at: at[4]!, ed: edited5, rx: { '❤️': 1 } },
        { s: 6, u: 'bob', x: texts[5]!, at: at[5]! },
      ],
    };
    const cursors: { ask: Record<string, number>; seqs: number[]; more: boolean }[] = [
      { ask: {}, seqs: [1, 2, 3, 4, 5, 6], more: false },
      { ask: { limit: 2 }, seqs: [5, 6], more: true },
      { ask: { before: 6, limit: 3 }, seqs: [3, 4, 5], more: true },
      { ask: { before: 4 }, seqs: [1, 2, 3], more: false },
      { ask: { after: 0, limit: 3 }, seqs: [1, 2, 3], more: true },
      { ask: { after: 2, limit: 2 }, seqs: [3, 4], more: true },
      { ask: { after: 3 }, seqs: [4, 5, 6], more: false },
    ];
    for (const who of ['alice', 'bob'] as const) {
      const conn = await h.user(who);
      for (const { ask, seqs: want, more } of cursors) {
        const page = await conn.request('chat.history', { c: 'general', ...ask });
        const label = `${who} ${JSON.stringify(ask)}`;
        expect(page.messages, label).toEqual(want.map((s) => expected[who]![s - 1]));
        expect(page.more, label).toBe(more);
        expect(page.lastSeq, label).toBe(6);
      }
    }
  });

  it('sees likes, unlikes, edits, deletes and new messages committed after its first read', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'one', 'two');
    const alice = await h.user('alice');
    const view = async (ask: Record<string, number> = {}) =>
      (await alice.request('chat.history', { c: 'general', ...ask })).messages.map(({ s, x, rx, my, ed, del }) => ({ s, x, rx, my, ed, del }));
    expect(await view()).toEqual([
      { s: 1, x: 'one', rx: undefined, my: undefined, ed: undefined, del: undefined },
      { s: 2, x: 'two', rx: undefined, my: undefined, ed: undefined, del: undefined },
    ]);

    await h.seed.like(general, 1, 'alice');
    await h.seed.like(general, 2, 'bob');
    const editedAt = await h.seed.edit(general, 2, 'two, edited');
    await h.seed.send(general, 'bob', 'three');
    expect(await view()).toEqual([
      { s: 1, x: 'one', rx: { '❤️': 1 }, my: ['❤️'], ed: undefined, del: undefined },
      { s: 2, x: 'two, edited', rx: { '❤️': 1 }, my: undefined, ed: editedAt, del: undefined },
      { s: 3, x: 'three', rx: undefined, my: undefined, ed: undefined, del: undefined },
    ]);

    // alice takes her like back (as the likes service does: the row and the count together)
    const aliceId = await h.seed.userId('alice');
    const first = await h.seed.prisma.message.findUniqueOrThrow({ where: { conversationId_seq: { conversationId: general, seq: 1 } } });
    await h.seed.prisma.$transaction([
      h.seed.prisma.reaction.delete({ where: { messageId_userId_emoji: { messageId: first.id, userId: aliceId, emoji: '❤️' } } }),
      h.seed.prisma.message.update({ where: { id: first.id }, data: { likeCount: 0, reactions: null } }),
    ]);
    await h.seed.remove(general, 2);
    expect(await view({ after: 0 })).toEqual([
      { s: 1, x: 'one', rx: undefined, my: undefined, ed: undefined, del: undefined },
      { s: 2, x: '', rx: undefined, my: undefined, ed: undefined, del: true },
      { s: 3, x: 'three', rx: undefined, my: undefined, ed: undefined, del: undefined },
    ]);
  });

  it('pages a direct conversation with before and after from both sides, with its likes', async () => {
    h = await startChatQuery(backend);
    const ab = await h.seed.dm('alice', 'bob');
    await h.seed.sendMany(ab, 'alice', 30, 'dm');
    await h.seed.like(ab, 30, 'bob');
    await h.seed.like(ab, 5, 'alice');
    const alice = await h.user('alice');
    const bob = await h.user('bob');

    const newest = await bob.request('chat.history', { c: '@alice', limit: 10 });
    expect(seqs(newest.messages)).toEqual(range(21, 30));
    expect(newest.more).toBe(true);
    expect(newest.messages.at(-1)).toMatchObject({ s: 30, u: 'alice', x: 'dm 30', rx: { '❤️': 1 }, my: ['❤️'] });
    const older = await alice.request('chat.history', { c: '@bob', before: 11, limit: 10 });
    expect(seqs(older.messages)).toEqual(range(1, 10));
    expect(older.more).toBe(false);
    expect(older.messages[4]).toMatchObject({ s: 5, rx: { '❤️': 1 }, my: ['❤️'] });
    const gap = await bob.request('chat.history', { c: '@alice', after: 25 });
    expect(seqs(gap.messages)).toEqual(range(26, 30));
    expect(gap.messages.at(-1)).toMatchObject({ s: 30, rx: { '❤️': 1 }, my: ['❤️'] });
    const gapForAlice = await alice.request('chat.history', { c: '@bob', after: 25 });
    expect(gapForAlice.messages.at(-1)).toEqual({ s: 30, u: 'alice', x: 'dm 30', at: expect.any(Number), rx: { '❤️': 1 } });
    expect({ ...gapForAlice, c: '@alice', messages: seqs(gapForAlice.messages) }).toEqual({ ...gap, messages: seqs(gap.messages) });
  });

  it('refuses a room name that is a direct conversation’s and a user of another’s conversation, reading nothing of theirs', async () => {
    h = await startChatQuery(backend);
    const ab = await h.seed.dm('alice', 'bob');
    await h.seed.send(ab, 'alice', 'for bob only');
    const carol = await h.user('carol');
    // A DM has no name, so no room ref reaches it; its key is not a valid room name either.
    await expect(carol.request('chat.history', { c: 'dm_alice' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(carol.request('chat.history', { c: 'alice:bob' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    for (const c of ['@alice', '@bob']) {
      expect(await carol.request('chat.history', { c, after: 0 }), c).toEqual({ c, messages: [], more: false, lastSeq: 0 });
    }
  });

  it('answers limit 0 with no message, only lastSeq and whether more exist (the check after a reconnect)', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.sendMany(general, 'alice', 5);
    const alice = await h.user('alice');
    expect(await alice.request('chat.history', { c: 'general', after: 3, limit: 0 })).toEqual({ c: 'general', messages: [], more: true, lastSeq: 5 });
    expect(await alice.request('chat.history', { c: 'general', after: 5, limit: 0 })).toEqual({ c: 'general', messages: [], more: false, lastSeq: 5 });
    expect(await alice.request('chat.history', { c: 'general', limit: 0 })).toEqual({ c: 'general', messages: [], more: true, lastSeq: 5 });
  });

  it('refuses limits outside 0–100 and malformed cursors with BAD_REQUEST', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.sendMany(general, 'alice', 3);
    const alice = await h.user('alice');
    const bad: Record<string, unknown>[] = [
      { limit: 101 },
      { limit: -1 },
      { limit: -5 },
      { limit: 2.5 },
      { limit: '10' },
      { before: -1 },
      { before: 0 },
      { before: 1.5 },
      { before: '10' },
      { before: null },
      { after: -1 },
      { after: 'x' },
      { after: 0.5 },
      { before: 3, after: 1 },
      { before: Number.POSITIVE_INFINITY }, // 1e400 in JSON
    ];
    for (const fields of bad) {
      await expect(alice.request('chat.history', { c: 'general', ...fields }), JSON.stringify(fields)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    for (const c of ['General!', '@', '@x', 'a', '', 42]) {
      await expect(alice.request('chat.history', { c } as never), String(c)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect((await alice.request('chat.history', { c: 'general', limit: 100 })).messages).toHaveLength(3);
  });
});
