import { randomUUID } from 'node:crypto';
import { HISTORY_LIMIT_MAX, LIST_LIMIT_MAX, MAX_REPLY_BYTES, PAGE_BYTES, TEXT_MAX, type Message, type ResultOf } from '@tidings/protocol';
import type { Connection } from '@tidings/client';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChatQuery, type QueryHarness } from './helpers.js';

/**
 * Every reply fits the broker's packet limit by construction: history pages end at PAGE_BYTES of
 * messages as well as at their limit, and every list is paged. Before, twenty messages of 4,000
 * characters made a default chat.history reply larger than 64 KiB: the broker closed
 * chat-query's connection, and it sent the same reply again after every reconnect, forever.
 */

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The largest texts there are: JSON writes U+0001 as a 6-byte escape, an emoji takes 4 bytes, `"` 2. */
const TEXTS = ['\u0001'.repeat(TEXT_MAX), '😀'.repeat(TEXT_MAX), '"'.repeat(TEXT_MAX), 'a'.repeat(TEXT_MAX), 'short'];

/** Records the size of every reply the connection receives. */
function replySizes(conn: Connection): number[] {
  const sizes: number[] = [];
  conn.client.on('message', (topic, payload) => {
    if (topic.startsWith('t/r/')) sizes.push(payload.length);
  });
  return sizes;
}

describeBackends('reply sizes', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('reads a room of maximum-size messages page by page, backwards and forwards, every message once, every reply within 60 KiB', async () => {
    h = await startChatQuery(backend);
    const room = await h.seed.room('big', ['alice']);
    const N = 60;
    const texts = Array.from({ length: N }, (_, i) => TEXTS[i % TEXTS.length]!);
    await h.seed.send(room, 'alice', ...texts);
    await h.seed.like(room, 1, 'alice'); // `lk` and `me` on a 6-byte-escape message: the largest there is
    const alice = await h.user('alice');
    const sizes = replySizes(alice);

    for (const limit of [undefined, HISTORY_LIMIT_MAX]) {
      // backwards from the newest
      const backwards: Message[] = [];
      let page = await alice.request('chat.history', { c: 'big', ...(limit ? { limit } : {}) });
      let pages = 1;
      for (;;) {
        backwards.unshift(...page.messages);
        if (!page.more) break;
        expect(page.messages.length, 'a page with more is never empty').toBeGreaterThan(0);
        page = await alice.request('chat.history', { c: 'big', before: page.messages[0]!.s, ...(limit ? { limit } : {}) });
        pages++;
      }
      expect(backwards.map((m) => m.s)).toEqual(range(1, N));
      expect(backwards.map((m) => m.x)).toEqual(texts);
      expect(backwards[0]).toMatchObject({ rx: { '❤️': 1 }, my: ['❤️'] });
      expect(pages).toBeGreaterThan(Math.ceil(N / (limit ?? 50))); // the bytes, not the limit, ended these pages

      // forwards from the start (gap-fill)
      const forwards: Message[] = [];
      let after = 0;
      for (;;) {
        const next = await alice.request('chat.history', { c: 'big', after, ...(limit ? { limit } : {}) });
        forwards.push(...next.messages);
        expect(next.lastSeq).toBe(N);
        if (!next.more) break;
        expect(next.messages.length).toBeGreaterThan(0);
        after = next.messages[next.messages.length - 1]!.s;
      }
      expect(forwards.map((m) => m.s)).toEqual(range(1, N));
    }
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    expect(Math.max(...sizes), 'pages are filled up to the budget').toBeGreaterThan(PAGE_BYTES * 0.8);
  });

  it('pages are still cut by count: small messages fill a page of the limit', async () => {
    h = await startChatQuery(backend);
    const room = await h.seed.room('small', ['alice']);
    await h.seed.sendMany(room, 'alice', 150);
    const alice = await h.user('alice');
    const page = await alice.request('chat.history', { c: 'small', limit: HISTORY_LIMIT_MAX });
    expect(page.messages).toHaveLength(HISTORY_LIMIT_MAX);
    expect(page.more).toBe(true);
  });

  it('pages chat.conversations when last messages are long, every conversation once', async () => {
    h = await startChatQuery(backend);
    const N = 25;
    const names = range(1, N).map((i) => `room-${String(i).padStart(2, '0')}`);
    for (const [i, name] of names.entries()) {
      const id = await h.seed.room(name, ['alice']);
      await h.seed.send(id, 'alice', TEXTS[i % 2]!); // 4,000 characters of U+0001 or of emoji
    }
    const dm = await h.seed.dm('alice', 'bob');
    await h.seed.send(dm, 'bob', TEXTS[0]!);
    const alice = await h.user('alice');
    const sizes = replySizes(alice);

    for (const limit of [undefined, 3]) {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page: ResultOf<'chat.conversations'> = await alice.request('chat.conversations', { ...(after ? { after } : {}), ...(limit ? { limit } : {}) });
        pages++;
        seen.push(...page.conversations.map((c) => c.c));
        expect(page.conversations.every((c) => c.last !== undefined)).toBe(true);
        if (!page.more) {
          expect(page.next).toBeUndefined();
          break;
        }
        expect(page.conversations.length).toBeGreaterThan(0);
        after = page.next;
        expect(after).toEqual(expect.any(String));
      }
      // newest activity first: the direct conversation got the last message
      expect(seen).toEqual(['@bob', ...[...names].reverse()]);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil((N + 1) / (limit ?? 2)));
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
  });

  it('lists someone in 600 conversations with messages, more than one query’s worth of last messages, every one once', async () => {
    h = await startChatQuery(backend);
    const p = h.seed.prisma;
    const alice = await h.seed.userId('alice');
    const rooms = range(1, 600).map((i) => ({ id: `room_r${i}`, kind: 'room', name: `r${String(i).padStart(3, '0')}`, lastSeq: 1 }));
    await p.conversation.createMany({ data: rooms });
    await p.membership.createMany({ data: rooms.map((r) => ({ conversationId: r.id, userId: alice })) });
    await p.message.createMany({
      data: rooms.map((r, i) => ({
        id: `m-${r.id}`,
        conversationId: r.id,
        seq: 1,
        senderId: alice,
        clientKey: `k-${r.id}`,
        text: `last of ${r.name}`,
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000),
      })),
    });
    const user = await h.user('alice');
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page: ResultOf<'chat.conversations'> = await user.request('chat.conversations', after ? { after } : {});
      for (const c of page.conversations) {
        expect(c.last?.x).toBe(`last of ${c.c}`);
        seen.push(c.c);
      }
      if (!page.more) break;
      after = page.next;
    }
    expect(seen).toEqual(rooms.map((r) => r.name).reverse());
  });

  it('pages room.list and user.list past 500 entries, every entry once, in order', async () => {
    h = await startChatQuery(backend);
    const prisma = h.stack.db.prisma;
    const N = LIST_LIMIT_MAX * 2 + 17;
    const roomNames = range(1, N).map((i) => `r${String(i).padStart(5, '0')}-${'x'.repeat(25)}`);
    await prisma.conversation.createMany({ data: roomNames.map((name) => ({ id: `room_${name}`, kind: 'room', name })) });
    const usernames = range(1, N).map((i) => `u${String(i).padStart(5, '0')}.${'y'.repeat(25)}`);
    const now = new Date();
    await prisma.user.createMany({
      data: usernames.map((username) => ({ id: randomUUID(), username, passwordHash: '!', lastSeenAt: now, lastMessageAt: now })),
    });
    const alice = await h.user('alice');
    const sizes = replySizes(alice);

    for (const limit of [undefined, 97]) {
      const rooms: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page: ResultOf<'room.list'> = await alice.request('room.list', { ...(after ? { after } : {}), ...(limit ? { limit } : {}) });
        pages++;
        expect(page.rooms.length).toBeLessThanOrEqual(limit ?? LIST_LIMIT_MAX);
        rooms.push(...page.rooms.map((r) => r.name));
        if (!page.more) break;
        after = page.next;
      }
      expect(rooms).toEqual(['general', ...roomNames].sort());
      expect(pages).toBe(Math.ceil((N + 1) / (limit ?? LIST_LIMIT_MAX)));

      const users: string[] = [];
      after = undefined;
      for (;;) {
        const page: ResultOf<'user.list'> = await alice.request('user.list', { ...(after ? { after } : {}), ...(limit ? { limit } : {}) });
        users.push(...page.users.map((u) => u.u));
        if (!page.more) break;
        after = page.next;
      }
      expect(users).toEqual(['alice', ...usernames].sort());
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
  });

  it('refuses a cursor that is not one of chat.conversations, and starts room.list after any name', async () => {
    h = await startChatQuery(backend);
    await h.seed.room('alpha', ['alice']);
    await h.seed.room('beta', []);
    const alice = await h.user('alice');
    await expect(alice.request('chat.conversations', { after: 'nonsense' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const page = await alice.request('room.list', { after: 'b' });
    expect(page.rooms.map((r) => r.name)).toEqual(['beta', 'general']);
    expect(page.more).toBe(false);
  });
});
