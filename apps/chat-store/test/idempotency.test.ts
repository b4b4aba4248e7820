import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, dmId, roomId, startChat, type ChatHarness } from './helpers.js';

describeBackends('idempotent sends', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  it('answers a resend of the same request id with the first ack and stores and publishes it once', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    const live = await h.watch(bob, topics.room('general'));

    const first = await alice.request('chat.send', { c: 'general', x: 'once' }, { id: 'msg-1' });
    const again = await alice.request('chat.send', { c: 'general', x: 'once' }, { id: 'msg-1' });
    expect(again).toEqual(first);
    const next = await alice.request('chat.send', { c: 'general', x: 'twice' }, { id: 'msg-2' });
    expect(next.s).toBe(first.s + 1);

    expect((await h.messages(roomId('general'))).map((m) => [m.seq, m.clientKey, m.text])).toEqual([
      [1, 'msg-1', 'once'],
      [2, 'msg-2', 'twice'],
    ]);
    await live.waitFor((e) => e.t === 'm', 2);
    expect(live.events.filter((e) => e.t === 'm').map((e) => (e.t === 'm' ? e.s : 0))).toEqual([1, 2]);
  });

  it('stores one message when copies of one request arrive back to back', async () => {
    h = await startChat(backend);
    const alice = await h.raw('alice');
    await alice.call('room.join', 'j1', { name: 'general' });
    const body = { c: 'general', x: 'only once' };
    const replies = await Promise.all(Array.from({ length: 5 }, () => alice.call('chat.send', 'dup-1', body)));
    for (const r of replies) expect(r).toMatchObject({ id: 'dup-1', r: expect.anything() });
    expect(new Set(replies.map((r) => JSON.stringify(r.r))).size).toBe(1);
    expect(await h.messages(roomId('general'))).toHaveLength(1);
  });

  it('lets two users use the same request id (the key is per sender)', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    await bob.request('room.join', { name: 'general' });
    const a = await alice.request('chat.send', { c: 'general', x: 'from alice' }, { id: 'same' });
    const b = await bob.request('chat.send', { c: 'general', x: 'from bob' }, { id: 'same' });
    expect([a.s, b.s].sort()).toEqual([1, 2]);
    expect(await h.messages(roomId('general'))).toHaveLength(2);
  });

  it('refuses the same request id for another conversation with CONFLICT, writing nothing', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    await alice.request('room.create', { name: 'random' });
    await alice.request('chat.send', { c: 'general', x: 'here' }, { id: 'k1' });
    const before = await h.counts();
    await expect(alice.request('chat.send', { c: 'random', x: 'there' }, { id: 'k1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    // not even the direct conversation is created for it
    await expect(alice.request('chat.send', { c: '@bob', x: 'there' }, { id: 'k1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await h.counts()).toEqual(before);
  });

  it('answers a resend after a restart from the database', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    const room = await alice.request('chat.send', { c: 'general', x: 'before restart' }, { id: 'r1' });
    const dm = await alice.request('chat.send', { c: '@bob', x: 'dm before restart' }, { id: 'r2' });
    await h.restart();
    expect(await alice.request('chat.send', { c: 'general', x: 'before restart' }, { id: 'r1' })).toEqual(room);
    expect(await alice.request('chat.send', { c: '@bob', x: 'dm before restart' }, { id: 'r2' })).toEqual(dm);
    await expect(alice.request('chat.send', { c: '@bob', x: 'moved' }, { id: 'r1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await h.messages(roomId('general'))).toHaveLength(1);
    expect(await h.messages(dmId('alice', 'bob'))).toHaveLength(1);
    const after = await alice.request('chat.send', { c: 'general', x: 'after restart' }, { id: 'r3' });
    expect(after.s).toBe(2);
  });
});
