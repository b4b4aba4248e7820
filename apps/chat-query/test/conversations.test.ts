import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChatQuery, type QueryHarness } from './helpers.js';

describeBackends('chat.conversations', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('lists the caller’s rooms and direct conversations with unread counts and the last message, newest first', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    const random = await h.seed.room('random', ['alice', 'carol']);
    const quiet = await h.seed.room('quiet', ['alice']);
    await h.seed.room('elsewhere', ['bob']);
    const ab = await h.seed.dm('alice', 'bob');
    await h.seed.dm('bob', 'carol');

    await h.seed.sendMany(general, 'bob', 10, 'general');
    await h.seed.send(ab, 'bob', 'psst');
    await h.seed.send(ab, 'alice', 'yes?');
    await h.seed.sendMany(random, 'carol', 3, 'random');
    await h.seed.read(general, 'alice', 4);
    await h.seed.read(ab, 'alice', 2);
    const alice = await h.user('alice');

    const { conversations } = await alice.request('chat.conversations', {});
    expect(conversations.map((c) => c.c)).toEqual(['random', '@bob', 'general', 'quiet']);
    expect(conversations[0]).toEqual({
      c: 'random',
      kind: 'room',
      lastSeq: 3,
      readSeq: 0,
      unread: 3,
      last: { s: 3, u: 'carol', x: 'random 3', at: expect.any(Number) },
    });
    expect(conversations[1]).toEqual({
      c: '@bob',
      kind: 'dm',
      lastSeq: 2,
      readSeq: 2,
      unread: 0,
      last: { s: 2, u: 'alice', x: 'yes?', at: expect.any(Number) },
    });
    expect(conversations[2]).toMatchObject({ c: 'general', kind: 'room', lastSeq: 10, readSeq: 4, unread: 6, last: { s: 10, x: 'general 10' } });
    expect(conversations[3]).toEqual({ c: 'quiet', kind: 'room', lastSeq: 0, readSeq: 0, unread: 0 });
    void quiet;

    const bob = await h.user('bob');
    const forBob = (await bob.request('chat.conversations', {})).conversations;
    expect(forBob.map((c) => c.c).sort()).toEqual(['@alice', '@carol', 'elsewhere', 'general']);
    expect(forBob.find((c) => c.c === '@alice')).toMatchObject({ kind: 'dm', lastSeq: 2, unread: 2 });
  });

  it('shows a deleted last message as a tombstone and never a negative unread count', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'oops', 'gone');
    await h.seed.remove(general, 2);
    await h.seed.read(general, 'alice', 7); // a marker ahead of the conversation (a stale lastSeq read)
    const alice = await h.user('alice');
    const [only] = (await alice.request('chat.conversations', {})).conversations;
    expect(only).toEqual({ c: 'general', kind: 'room', lastSeq: 2, readSeq: 7, unread: 0, last: { s: 2, u: 'bob', x: '', at: expect.any(Number), del: true } });
  });

  it('answers an empty list for someone in no conversation', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.send(general, 'alice', 'hello');
    const zoe = await h.user('zoe');
    expect(await zoe.request('chat.conversations', {})).toEqual({ conversations: [], more: false });
  });
});

describeBackends('room.list', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('lists every room by name with member counts, last sequence numbers and whether the caller joined', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob', 'carol']);
    await h.seed.room('zeta', ['bob']);
    const alpha = await h.seed.room('alpha', []);
    await h.seed.room('b-side', ['alice']);
    await h.seed.dm('alice', 'bob'); // not a room
    await h.seed.sendMany(general, 'bob', 4);
    await h.seed.sendMany(alpha, 'carol', 2);
    const alice = await h.user('alice');
    const bob = await h.user('bob');

    expect((await alice.request('room.list', {})).rooms).toEqual([
      { name: 'alpha', members: 0, lastSeq: 2, joined: false },
      { name: 'b-side', members: 1, lastSeq: 0, joined: true },
      { name: 'general', members: 3, lastSeq: 4, joined: true },
      { name: 'zeta', members: 1, lastSeq: 0, joined: false },
    ]);
    expect((await bob.request('room.list', {})).rooms.map((r) => [r.name, r.joined])).toEqual([
      ['alpha', false],
      ['b-side', false],
      ['general', true],
      ['zeta', true],
    ]);
  });

  it('shows the default room general on a fresh database', async () => {
    h = await startChatQuery(backend);
    const alice = await h.user('alice');
    expect(await alice.request('room.list', {})).toEqual({ rooms: [{ name: 'general', members: 0, lastSeq: 0, joined: false }], more: false });
  });
});

describeBackends('user.list', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('lists every user by name with online state, last seen while offline and the time of their last message', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['bob', 'carol']);
    await h.seed.send(general, 'bob', 'hi');
    const bobLast = (await h.seed.prisma.user.findUniqueOrThrow({ where: { username: 'bob' } })).lastMessageAt!.getTime();
    const seen = Date.UTC(2026, 5, 1, 12);
    await h.seed.prisma.user.update({ where: { username: 'bob' }, data: { online: true, lastSeenAt: new Date(seen) } });
    await h.seed.prisma.user.update({ where: { username: 'carol' }, data: { online: false, lastSeenAt: new Date(seen) } });
    await h.seed.userId('a.dam');
    await h.seed.userId('a_dam');
    const alice = await h.user('alice');

    const { users } = await alice.request('user.list', {});
    expect(users).toEqual([
      { u: 'a.dam', online: false },
      { u: 'a_dam', online: false },
      { u: 'alice', online: false },
      { u: 'bob', online: true, lastMsg: bobLast },
      { u: 'carol', online: false, seen },
    ]);
  });
});
