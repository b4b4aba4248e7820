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
    expect(byAlice.messages.map(({ s, lk, me }) => ({ s, lk, me }))).toEqual([
      { s: 1, lk: 2, me: true },
      { s: 2, lk: 1, me: undefined },
      { s: 3, lk: undefined, me: undefined },
    ]);
    expect('lk' in byAlice.messages[2]!).toBe(false);
    const byBob = await bob.request('chat.history', { c: 'general' });
    expect(byBob.messages.map(({ lk, me }) => ({ lk, me }))).toEqual([
      { lk: 2, me: true },
      { lk: 1, me: true },
      { lk: undefined, me: undefined },
    ]);
    const byCarol = await carol.request('chat.history', { c: 'general' });
    expect(byCarol.messages.filter((m) => m.me)).toEqual([]);
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

  it('refuses limits outside 1–100 and malformed cursors with BAD_REQUEST', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.sendMany(general, 'alice', 3);
    const alice = await h.user('alice');
    const bad: Record<string, unknown>[] = [
      { limit: 101 },
      { limit: 0 },
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
      { before: 1e400 },
    ];
    for (const fields of bad) {
      await expect(
        alice.request('chat.history', { c: 'general', ...fields } as never),
        JSON.stringify(fields),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    for (const c of ['General!', '@', '@x', 'a', '', 42]) {
      await expect(alice.request('chat.history', { c } as never), String(c)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect((await alice.request('chat.history', { c: 'general', limit: 100 })).messages).toHaveLength(3);
  });
});
