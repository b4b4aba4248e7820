import { captureLogger } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChatQuery, type QueryHarness } from './helpers.js';
import { RoomSeed } from './rooms.js';

describeBackends('room events, removals and mentions', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('carries room events (ev) and moderators’ removals (rb) in history, backwards and in gap-fill', async () => {
    const log = captureLogger();
    h = await startChatQuery(backend, { logger: log.logger });
    const rooms = new RoomSeed(h.seed);
    const ops = await rooms.room('ops', ['olga', 'mia', 'vic']);
    await h.seed.send(ops, 'vic', 'spam spam'); // 1
    await rooms.removeBy(ops, 1, 'olga');
    await h.seed.send(ops, 'mia', 'oops'); // 2
    await h.seed.remove(ops, 2); // deleted by its sender: no rb
    await rooms.event(ops, 'olga', { k: 'remove', s: 1 }); // 3
    await rooms.event(ops, 'olga', { k: 'kick', w: 'vic' }); // 4
    await rooms.event(ops, 'olga', { k: 'topic', x: 'be kind' }); // 5
    await rooms.event(ops, 'olga', '{"k":"explode"}'); // 6: not a RoomEvent
    await rooms.event(ops, 'olga', 'not json'); // 7
    await h.seed.send(ops, 'mia', 'after all that'); // 8
    const mia = await h.user('mia');

    const at = expect.any(Number);
    const expected = [
      { s: 1, u: 'vic', x: '', at, del: true, rb: 'olga' },
      { s: 2, u: 'mia', x: '', at, del: true },
      { s: 3, u: 'olga', x: '', at, ev: { k: 'remove', s: 1 } },
      { s: 4, u: 'olga', x: '', at, ev: { k: 'kick', w: 'vic' } },
      { s: 5, u: 'olga', x: '', at, ev: { k: 'topic', x: 'be kind' } },
      { s: 6, u: 'olga', x: '', at },
      { s: 7, u: 'olga', x: '', at },
      { s: 8, u: 'mia', x: 'after all that', at },
    ];
    expect((await mia.request('chat.history', { c: 'ops' })).messages).toEqual(expected);
    expect((await mia.request('chat.history', { c: 'ops', after: 0 })).messages).toEqual(expected);
    expect((await mia.request('chat.history', { c: 'ops', after: 2, limit: 3 })).messages).toEqual(expected.slice(2, 5));
    expect((await mia.request('chat.history', { c: 'ops', before: 5 })).messages).toEqual(expected.slice(0, 4));

    const bad = log
      .lines()
      .map((l) => JSON.parse(l) as { msg: string; s?: number })
      .filter((l) => l.msg.startsWith('a stored room event is not valid'));
    expect(new Set(bad.map((l) => l.s))).toEqual(new Set([6, 7]));
  });

  it('gives a conversation’s last message its ev or rb, as history does', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const ops = await rooms.room('ops', ['olga', 'mia']);
    const tea = await rooms.room('tea', ['olga', 'mia']);
    await h.seed.send(tea, 'mia', 'rude words');
    await rooms.removeBy(tea, 1, 'olga');
    await rooms.event(ops, 'olga', { k: 'role', w: 'mia', role: 'mod' });
    const mia = await h.user('mia');
    const { conversations } = await mia.request('chat.conversations', {});
    expect(conversations.map((c) => [c.c, c.last])).toEqual([
      ['ops', { s: 1, u: 'olga', x: '', at: expect.any(Number), ev: { k: 'role', w: 'mia', role: 'mod' } }],
      ['tea', { s: 1, u: 'mia', x: '', at: expect.any(Number), del: true, rb: 'olga' }],
    ]);
  });

  it('counts unread mentions per conversation, and the count moves with the read marker', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const ops = await rooms.room('ops', ['olga', 'mia', 'bob']);
    const tea = await rooms.room('tea', ['olga', 'mia']);
    const ab = await h.seed.dm('mia', 'bob');
    await rooms.mention(ops, 'olga', '@mia look', ['mia']); // 1
    await h.seed.send(ops, 'olga', 'no mention'); // 2
    await rooms.mention(ops, 'olga', '@mia @bob again', ['mia', 'bob']); // 3
    await rooms.mention(ops, 'olga', '@mia gone', ['mia']); // 4, deleted below: still counted, as unread counts it
    await h.seed.remove(ops, 4);
    await rooms.mention(ops, 'bob', '@mia last', ['mia']); // 5
    await rooms.mention(ab, 'bob', '@mia hi', ['mia']);
    await h.seed.send(tea, 'olga', 'tea time');
    const mia = await h.user('mia');
    const mentions = async () => Object.fromEntries((await mia.request('chat.conversations', {})).conversations.map((c) => [c.c, c.mentions ?? 0]));

    expect(await mentions()).toEqual({ ops: 4, '@bob': 1, tea: 0 });
    const tea0 = (await mia.request('chat.conversations', {})).conversations.find((c) => c.c === 'tea');
    expect(tea0).not.toHaveProperty('mentions');
    await h.seed.read(ops, 'mia', 1);
    expect(await mentions()).toEqual({ ops: 3, '@bob': 1, tea: 0 });
    await h.seed.read(ops, 'mia', 3);
    expect(await mentions()).toEqual({ ops: 2, '@bob': 1, tea: 0 });
    await h.seed.read(ops, 'mia', 4);
    expect(await mentions()).toEqual({ ops: 1, '@bob': 1, tea: 0 });
    await h.seed.read(ops, 'mia', 5);
    await h.seed.read(ab, 'mia', 1);
    expect(await mentions()).toEqual({ ops: 0, '@bob': 0, tea: 0 });

    const bob = await h.user('bob');
    const forBob = (await bob.request('chat.conversations', {})).conversations;
    expect(forBob.find((c) => c.c === 'ops')?.mentions).toBe(1);
    // Mentions of a conversation one has left are not counted (nor listed).
    await new RoomSeed(h.seed).drop(ops, 'bob');
    expect((await bob.request('chat.conversations', {})).conversations.map((c) => c.c)).toEqual(['@mia']);
  });

  it('never finds a room event in search, only messages', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const ops = await rooms.room('ops', ['olga', 'mia']);
    await h.seed.send(ops, 'mia', 'kicked the ball');
    const s = await h.seed.send(ops, 'olga', 'kicked vic'); // an event row whose text is not empty: the filter, not the text, keeps it out
    await h.seed.prisma.message.update({
      where: { conversationId_seq: { conversationId: ops, seq: s } },
      data: { event: JSON.stringify({ k: 'kick', w: 'vic' }) },
    });
    const mia = await h.user('mia');
    expect((await mia.request('chat.search', { q: 'kicked' })).hits.map((hit) => hit.r)).toEqual(['ops#1']);
    expect((await mia.request('chat.search', { q: 'kicked', c: 'ops' })).hits.map((hit) => hit.r)).toEqual(['ops#1']);
  });
});
