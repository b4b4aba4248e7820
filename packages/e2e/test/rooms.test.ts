import { createChatQuery } from '@tidings/chat-query';
import { createChatStore } from '@tidings/chat-store';
import type { Connection } from '@tidings/client';
import { createLikes } from '@tidings/likes';
import { ConversationEvent, topics } from '@tidings/protocol';
import { describeBackends, startServiceHarness, type ServiceFactory, type ServiceHarness } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';

/**
 * Rooms people can run, through the whole stack: the real broker (its ACL holds private rooms),
 * chat-store (room actions), chat-query (reads) and likes. What a non-member of a private room
 * can do is nothing, and a member removed from one stops receiving it at once.
 */
type Services = { 'chat-store': ServiceFactory; 'chat-query': ServiceFactory; likes: ServiceFactory };

/** Every event a connection receives on a room topic. */
function collect(conn: Connection, room: string): ConversationEvent[] {
  const seen: ConversationEvent[] = [];
  conn.client.on('message', (topic, payload) => {
    if (topic === topics.room(room)) seen.push(JSON.parse(payload.toString()) as ConversationEvent);
  });
  return seen;
}

/** The SUBACK return code of a subscription to a room (128: refused; mqtt.js throws for it). */
async function subscribeGrant(conn: Connection, room: string): Promise<number> {
  try {
    const granted = await conn.client.subscribeAsync(topics.room(room), { qos: 1 });
    return granted[0]!.qos;
  } catch (err) {
    const codes = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (codes) return codes[0]!;
    throw err;
  }
}

describeBackends('rooms people can run, end to end', (backend) => {
  let h: ServiceHarness<Services> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function start() {
    h = await startServiceHarness({
      backend,
      services: {
        'chat-store': (deps) => createChatStore({ ...deps, settings: { sendRatePerSecond: 1000, sendBurst: 1000 } }),
        'chat-query': (deps) => createChatQuery(deps),
        likes: (deps) => createLikes(deps),
      },
    });
    return h;
  }

  it('keeps a private room unreadable to non-members, at the broker and in every service', async () => {
    const h = await start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.create', { name: 'secret', private: true, topic: 'plans' });
    const { s } = await alice.request('chat.send', { c: 'secret', x: 'the plan is ready' });
    await expect.poll(() => subscribeGrant(alice, 'secret')).toBe(1);

    // The broker refuses bob's subscription; the services answer as for a room that does not exist.
    expect(await subscribeGrant(bob, 'secret')).toBe(128);
    const missing = { code: 'NOT_FOUND', message: 'there is no room named secret' };
    await expect(bob.request('chat.history', { c: 'secret' })).rejects.toMatchObject(missing);
    await expect(bob.request('room.info', { name: 'secret' })).rejects.toMatchObject(missing);
    await expect(bob.request('room.members', { name: 'secret' })).rejects.toMatchObject(missing);
    await expect(bob.request('room.join', { name: 'secret' })).rejects.toMatchObject(missing);
    await expect(bob.request('like.add', { c: 'secret', s })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(bob.request('reaction.add', { c: 'secret', s, e: '👍' })).rejects.toMatchObject(missing);
    await expect(bob.request('reaction.who', { c: 'secret', s })).rejects.toMatchObject(missing);
    expect((await bob.request('chat.search', { q: 'plan' })).hits).toEqual([]);
    expect((await bob.request('room.list', {})).rooms.map((r) => r.name)).not.toContain('secret');

    // Invited, bob reads it all, live too.
    await alice.request('room.invite', { name: 'secret', u: 'bob' });
    await expect.poll(() => subscribeGrant(bob, 'secret')).toBe(1);
    const bobSees = collect(bob, 'secret');
    expect((await bob.request('chat.history', { c: 'secret' })).messages.map((m) => m.x)).toContain('the plan is ready');
    expect(await bob.request('room.info', { name: 'secret' })).toMatchObject({ private: true, topic: 'plans', owner: 'alice', role: 'member' });
    await alice.request('chat.send', { c: 'secret', x: 'welcome bob' });
    await expect.poll(() => bobSees.some((e) => e.t === 'm' && e.x === 'welcome bob')).toBe(true);

    // Kicked, he stops receiving at once, on the subscription he already has.
    await alice.request('room.kick', { name: 'secret', u: 'bob' });
    await alice.request('chat.send', { c: 'secret', x: 'after bob left' });
    // A member's own subscription shows the message has gone out; bob's shows nothing.
    const aliceSees = collect(alice, 'secret');
    const { s: last } = await alice.request('chat.send', { c: 'secret', x: 'and one more' });
    await expect.poll(() => aliceSees.some((e) => e.t === 'm' && e.s === last)).toBe(true);
    // (He may see the kick itself: it is published before the brokers hear of it.)
    expect(bobSees.flatMap((e) => (e.t === 'm' && !e.ev ? [e.x] : []))).toEqual(['welcome bob']);
    await expect(bob.request('chat.history', { c: 'secret' })).rejects.toMatchObject(missing);
  });

  it('shows room events in history and unread mentions in conversations', async () => {
    const h = await start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.create', { name: 'club' });
    await bob.request('room.join', { name: 'club' });
    await bob.request('chat.read', { c: 'club', s: 0 });
    await alice.request('room.topic', { name: 'club', topic: 'poetry' });
    await alice.request('chat.send', { c: 'club', x: 'hi @bob' });
    await alice.request('chat.send', { c: 'club', x: '@bob are you there?' });
    const club = async () => (await bob.request('chat.conversations', {})).conversations.find((c) => c.c === 'club');
    expect((await club())?.mentions).toBe(2);
    // Sending moves one's own read marker to one's message: the mentions before it are read.
    const { s: spam } = await bob.request('chat.send', { c: 'club', x: 'buy now' });
    expect((await club())?.mentions).toBeUndefined();
    await alice.request('chat.delete', { c: 'club', s: spam });

    const history = (await bob.request('chat.history', { c: 'club' })).messages;
    expect(history.find((m) => m.ev?.k === 'topic')).toMatchObject({ u: 'alice', x: '', ev: { k: 'topic', x: 'poetry' } });
    expect(history.find((m) => m.s === spam)).toMatchObject({ del: true, rb: 'alice', x: '' });
    expect(history.find((m) => m.ev?.k === 'remove')).toMatchObject({ ev: { k: 'remove', s: spam } });
  });

  it('answers FORBIDDEN to a member trying each moderator action, through the whole stack', async () => {
    const h = await start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await h.user('carol');
    await alice.request('room.create', { name: 'club' });
    await alice.request('room.invite', { name: 'club', u: 'carol' });
    await bob.request('room.join', { name: 'club' });
    const { s } = await alice.request('chat.send', { c: 'club', x: 'mine' });
    const before = await alice.request('room.members', { name: 'club' });
    const history = await alice.request('chat.history', { c: 'club' });
    for (const attempt of [
      () => bob.request('room.kick', { name: 'club', u: 'carol' }),
      () => bob.request('room.ban', { name: 'club', u: 'carol' }),
      () => bob.request('room.unban', { name: 'club', u: 'carol' }),
      () => bob.request('room.mute', { name: 'club', u: 'carol', seconds: 60 }),
      () => bob.request('room.role', { name: 'club', u: 'carol', role: 'mod' }),
      () => bob.request('room.topic', { name: 'club', topic: 'mine' }),
      () => bob.request('room.invite', { name: 'club', u: 'alice' }),
      () => bob.request('room.members', { name: 'club', banned: true }),
      () => bob.request('chat.delete', { c: 'club', s }),
    ]) {
      // One at a time: a request made before its rejection is awaited would reject unhandled.
      await expect(attempt()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await alice.request('room.members', { name: 'club' })).toEqual(before);
    expect(await alice.request('chat.history', { c: 'club' })).toEqual(history);
  });
});
