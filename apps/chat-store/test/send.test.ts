import { TidingsError, topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, isContiguous, roomId, startChat, type ChatHarness } from './helpers.js';

describeBackends('sending to a room', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  it('acks with the sequence number and server time, stores the message and delivers it live to another member', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    await bob.request('room.join', { name: 'general' });
    const live = await h.watch(bob, topics.room('general'));

    const before = Date.now();
    const ack = await alice.request('chat.send', { c: 'general', x: '  hello, world  ' });
    expect(ack.s).toBe(1);
    expect(ack.at).toBeGreaterThanOrEqual(before);
    expect(ack.at).toBeLessThanOrEqual(Date.now());

    const [event] = await live.waitFor((e) => e.t === 'm');
    expect(event).toEqual({ t: 'm', s: 1, u: 'alice', x: 'hello, world', at: ack.at });

    const stored = await h.stack.db.prisma.message.findUniqueOrThrow({
      where: { conversationId_seq: { conversationId: roomId('general'), seq: 1 } },
      include: { sender: true },
    });
    expect(stored.text).toBe('hello, world');
    expect(stored.sender.username).toBe('alice');
    expect(stored.createdAt.getTime()).toBe(ack.at);
    const conv = await h.stack.db.prisma.conversation.findUniqueOrThrow({ where: { id: roomId('general') } });
    expect(conv.lastSeq).toBe(1);
    expect(stored.sender.lastMessageAt?.getTime()).toBe(ack.at);
  });

  it('numbers the messages of a conversation 1, 2, 3… without gaps, separately per conversation', async () => {
    h = await startChat(backend, { settings: { sendBurst: 1000 } });
    const alice = await h.user('alice');
    await alice.request('room.join', { name: 'general' });
    await alice.request('room.create', { name: 'random' });
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => alice.request('chat.send', { c: i % 3 === 0 ? 'random' : 'general', x: `m${i}` })));
    const general = (await h.messages(roomId('general'))).map((m) => m.seq);
    const random = (await h.messages(roomId('random'))).map((m) => m.seq);
    expect(general).toHaveLength(20);
    expect(random).toHaveLength(10);
    expect(isContiguous(general)).toBe(true);
    expect(isContiguous(random)).toBe(true);
    expect(new Set(acks.map((a, i) => `${i % 3 === 0 ? 'random' : 'general'}#${a.s}`)).size).toBe(30);
  });

  it('delivers the events of a room in sequence order', async () => {
    h = await startChat(backend, { settings: { sendBurst: 1000 } });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    const live = await h.watch(bob, topics.room('general'));
    await Promise.all(Array.from({ length: 50 }, (_, i) => alice.request('chat.send', { c: 'general', x: `m${i}` })));
    const events = await live.waitFor((e) => e.t === 'm', 50);
    expect(events.map((e) => (e.t === 'm' ? e.s : 0))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('moves the sender’s read marker to their own message', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    await bob.request('room.join', { name: 'general' });
    await bob.request('chat.send', { c: 'general', x: 'one' });
    const ack = await alice.request('chat.send', { c: 'general', x: 'two' });
    const marker = await h.stack.db.prisma.membership.findFirstOrThrow({
      where: { conversationId: roomId('general'), user: { username: 'alice' } },
    });
    expect(marker.lastReadSeq).toBe(ack.s);
    const bobs = await h.stack.db.prisma.membership.findFirstOrThrow({
      where: { conversationId: roomId('general'), user: { username: 'bob' } },
    });
    expect(bobs.lastReadSeq).toBe(1);
  });

  it('refuses a room the sender has not joined, and an unknown room, storing nothing', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    await expect(alice.request('chat.send', { c: 'general', x: 'hi' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'join the room first',
    });
    await expect(alice.request('chat.send', { c: 'nowhere', x: 'hi' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.counts()).messages).toBe(0);
  });

  it('refuses empty and over-long text with the reason, storing nothing', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    await alice.request('room.join', { name: 'general' });
    const empty = await alice.request('chat.send', { c: 'general', x: ' \n\t ' }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(TidingsError);
    expect(empty).toMatchObject({ code: 'BAD_REQUEST', message: 'a message cannot be empty' });
    await expect(alice.request('chat.send', { c: 'general', x: 'x'.repeat(4001) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'a message has at most 4000 characters',
    });
    // 4000 characters that are not all one UTF-16 unit each are still allowed
    const ack = await alice.request('chat.send', { c: 'general', x: '😀'.repeat(4000) });
    expect(ack.s).toBe(1);
    expect((await h.counts()).messages).toBe(1);
  });
});
