import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, roomId, startChat, type ChatHarness } from './helpers.js';

describeBackends('read markers', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  async function marker(username: string, conversationId: string): Promise<number> {
    const m = await h.stack.db.prisma.membership.findFirstOrThrow({ where: { conversationId, user: { username } } });
    return m.lastReadSeq;
  }

  it('moves forward, never back, never past the last message, and tells the reader’s other devices', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice', 'laptop');
    const alicePhone = await h.user('alice', 'phone');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    await bob.request('room.join', { name: 'general' });
    const phoneInbox = await h.watch(alicePhone, topics.inbox('alice'));
    for (let i = 0; i < 5; i++) await bob.request('chat.send', { c: 'general', x: `m${i}` });

    expect(await alice.request('chat.read', { c: 'general', s: 3 })).toEqual({ s: 3 });
    expect(await marker('alice', roomId('general'))).toBe(3);
    expect(await alice.request('chat.read', { c: 'general', s: 2 })).toEqual({ s: 3 });
    expect(await alice.request('chat.read', { c: 'general', s: 0 })).toEqual({ s: 3 });
    expect(await marker('alice', roomId('general'))).toBe(3);
    expect(await alice.request('chat.read', { c: 'general', s: 999 })).toEqual({ s: 5 });
    expect(await marker('alice', roomId('general'))).toBe(5);

    const rd = await phoneInbox.waitFor((e) => e.t === 'rd', 2);
    expect(rd).toEqual([
      { t: 'rd', c: 'general', s: 3 },
      { t: 'rd', c: 'general', s: 5 },
    ]);
    // a marker that did not move sends nothing
    await alice.request('chat.read', { c: 'general', s: 4 });
    await alice.request('chat.send', { c: 'general', x: 'sync point' });
    expect(await alice.request('chat.read', { c: 'general', s: 6 })).toEqual({ s: 6 });
    // (sending moved it to 6 already, so this read was a no-op too)
    expect(phoneInbox.events.filter((e) => e.t === 'rd')).toHaveLength(2);
  });

  it('keeps read markers of a direct conversation, named by the other person', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await expect(bob.request('chat.read', { c: '@alice', s: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await alice.request('chat.send', { c: '@bob', x: 'one' });
    await alice.request('chat.send', { c: '@bob', x: 'two' });
    const bobInbox = await h.watch(bob, topics.inbox('bob'));
    expect(await bob.request('chat.read', { c: '@alice', s: 2 })).toEqual({ s: 2 });
    expect(await bobInbox.waitFor((e) => e.t === 'rd')).toEqual([{ t: 'rd', c: '@alice', s: 2 }]);
  });

  it('refuses a room one is not in, an unknown room and oneself, writing nothing', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    await expect(alice.request('chat.read', { c: 'general', s: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(alice.request('chat.read', { c: 'nowhere', s: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.request('chat.read', { c: '@alice', s: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await h.counts()).memberships).toBe(0);
  });
});
