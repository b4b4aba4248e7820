import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, roomId, startChat, type ChatHarness } from './helpers.js';

describeBackends('rooms', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  it('creates a room under its normalised name with the creator as its first member', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const inbox = await h.watch(alice, topics.inbox('alice'));
    expect(await alice.request('room.create', { name: '  Book-Club ' })).toEqual({ name: 'book-club', lastSeq: 0 });
    const conv = await h.stack.db.prisma.conversation.findUniqueOrThrow({ where: { name: 'book-club' }, include: { members: { include: { user: true } } } });
    expect(conv).toMatchObject({ id: roomId('book-club'), kind: 'room', dmKey: null, lastSeq: 0 });
    expect(conv.members.map((m) => m.user.username)).toEqual(['alice']);
    expect(await inbox.waitFor((e) => e.t === 'mb')).toEqual([{ t: 'mb', c: 'book-club', on: true }]);
    expect((await alice.request('chat.send', { c: 'book-club', x: 'welcome' })).s).toBe(1);
  });

  it('refuses a name in use (in any case) with CONFLICT and a name against the rules with BAD_REQUEST', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    await alice.request('room.create', { name: 'lobby' });
    const before = await h.counts();
    for (const name of ['lobby', 'LOBBY', 'general']) {
      await expect(alice.request('room.create', { name }), name).rejects.toMatchObject({ code: 'CONFLICT' });
    }
    for (const name of ['a', '-dash', 'has space', '@bob', 'x'.repeat(33), 'émoji']) {
      await expect(alice.request('room.create', { name }), name).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(await h.counts()).toEqual(before);
  });

  it('lets one user create at most roomsPerUser rooms, even when the requests come at once; others still can', async () => {
    h = await startChat(backend, { settings: { roomsPerUser: 3 } });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => alice.request('room.create', { name: `mine-${i}` })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect(o.reason).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('at most 3') });
    }
    expect(await h.stack.db.prisma.conversation.count({ where: { name: { startsWith: 'mine-' } } })).toBe(3);
    expect(await bob.request('room.create', { name: 'bobs' })).toEqual({ name: 'bobs', lastSeq: 0 });
  });

  it('joins a room (idempotently), announcing it once, with the read marker at the room’s last message', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    for (let i = 0; i < 3; i++) await alice.request('chat.send', { c: 'general', x: `m${i}` });
    const room = await h.watch(alice, topics.room('general'));
    const bobInbox = await h.watch(bob, topics.inbox('bob'));

    expect(await bob.request('room.join', { name: 'general' })).toEqual({ name: 'general', lastSeq: 3 });
    expect(await bob.request('room.join', { name: 'general' })).toEqual({ name: 'general', lastSeq: 3 });
    expect(await room.waitFor((e) => e.t === 'j')).toEqual([{ t: 'j', u: 'bob' }]);
    expect(await bobInbox.waitFor((e) => e.t === 'mb')).toEqual([{ t: 'mb', c: 'general', on: true }]);
    const m = await h.stack.db.prisma.membership.findFirstOrThrow({ where: { conversationId: roomId('general'), user: { username: 'bob' } } });
    expect(m.lastReadSeq).toBe(3);
    expect(await h.stack.db.prisma.membership.count({ where: { conversationId: roomId('general') } })).toBe(2);
    // the second join announced nothing
    await bob.request('chat.send', { c: 'general', x: 'hi' });
    await room.waitFor((e) => e.t === 'm' && e.u === 'bob');
    expect(room.events.filter((e) => e.t === 'j')).toHaveLength(1);
    await expect(bob.request('room.join', { name: 'nowhere' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('leaves a room: announced, sending is refused afterwards, leaving again changes nothing', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    await bob.request('room.join', { name: 'general' });
    const room = await h.watch(alice, topics.room('general'));
    const bobInbox = await h.watch(bob, topics.inbox('bob'));

    expect(await bob.request('room.leave', { name: 'general' })).toEqual({ name: 'general' });
    expect(await room.waitFor((e) => e.t === 'lv')).toEqual([{ t: 'lv', u: 'bob' }]);
    expect(await bobInbox.waitFor((e) => e.t === 'mb')).toEqual([{ t: 'mb', c: 'general', on: false }]);
    await expect(bob.request('chat.send', { c: 'general', x: 'still here?' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'join the room first' });
    await expect(bob.request('chat.read', { c: 'general', s: 0 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await bob.request('room.leave', { name: 'general' })).toEqual({ name: 'general' });
    await expect(bob.request('room.leave', { name: 'nowhere' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.stack.db.prisma.membership.count({ where: { conversationId: roomId('general') } })).toBe(1);
    expect((await h.counts()).messages).toBe(0);

    // and may come back
    await bob.request('room.join', { name: 'general' });
    expect((await bob.request('chat.send', { c: 'general', x: 'back' })).s).toBe(1);
    await room.waitFor((e) => e.t === 'm');
    expect(room.events.filter((e) => e.t === 'lv')).toHaveLength(1);
  });
});
