import { type RoomAccessEvent, RoomEvent, topics } from '@tidings/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { describeBackends, manualClock, roomId, startChat, type ChatHarness } from './helpers.js';

/** Everything a room action may change, to show that a refused one changed nothing. */
async function roomState(h: ChatHarness, name: string) {
  const id = roomId(name);
  const prisma = h.stack.db.prisma;
  return {
    conversation: await prisma.conversation.findUnique({ where: { id }, select: { topic: true, private: true, lastSeq: true } }),
    members: await prisma.membership.findMany({ where: { conversationId: id }, select: { userId: true, role: true }, orderBy: { userId: 'asc' } }),
    sanctions: await prisma.roomSanction.findMany({ where: { conversationId: id }, select: { userId: true, kind: true, until: true } }),
    messages: await prisma.message.findMany({
      where: { conversationId: id },
      select: { seq: true, text: true, deletedAt: true, event: true },
      orderBy: { seq: 'asc' },
    }),
  };
}

/** The room events of a room's history, parsed, with who did them. */
async function roomEvents(h: ChatHarness, name: string) {
  const rows = await h.stack.db.prisma.message.findMany({
    where: { conversationId: roomId(name), event: { not: null } },
    select: { seq: true, text: true, event: true, sender: { select: { username: true } } },
    orderBy: { seq: 'asc' },
  });
  return rows.map((r) => ({ s: r.seq, u: r.sender.username, x: r.text, ev: RoomEvent.parse(JSON.parse(r.event!)) }));
}

/** Collects what chat-store tells the brokers on t/svc/room-access (an in-process subscription of the broker). */
function accessEvents(h: ChatHarness): RoomAccessEvent[] {
  const seen: RoomAccessEvent[] = [];
  h.stack.broker.aedes.subscribe(
    topics.roomAccess,
    (packet, cb) => {
      seen.push(JSON.parse(packet.payload.toString()) as RoomAccessEvent);
      cb();
    },
    () => {},
  );
  return seen;
}

describeBackends('room roles and moderation', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  /** alice owns `club`; moe is a moderator; bob and carol are members. */
  async function club(options: { private?: boolean; now?: () => number } = {}) {
    h = await startChat(backend, options.now ? { now: options.now } : {});
    const alice = await h.user('alice');
    const moe = await h.user('moe');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    await alice.request('room.create', { name: 'club', private: options.private ?? false, topic: 'books' });
    for (const u of ['moe', 'bob', 'carol']) await alice.request('room.invite', { name: 'club', u });
    await alice.request('room.role', { name: 'club', u: 'moe', role: 'mod' });
    return { alice, moe, bob, carol };
  }

  it('makes the creator the owner, with the topic and privacy asked for', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    await alice.request('room.create', { name: 'secret', private: true, topic: '  plans  ' });
    const state = await roomState(h, 'secret');
    expect(state.conversation).toMatchObject({ private: true, topic: 'plans' });
    expect(state.members).toEqual([{ userId: expect.any(String), role: 'owner' }]);
  });

  it('answers FORBIDDEN to a member trying every moderator action, and changes nothing', async () => {
    const { bob } = await club();
    await bob.request('chat.send', { c: 'club', x: 'hello' });
    const alice = await h.user('alice');
    const { s: aliceMsg } = await alice.request('chat.send', { c: 'club', x: 'from the owner' });
    const before = await roomState(h, 'club');
    const attempts: [string, () => Promise<unknown>][] = [
      ['invite', () => bob.request('room.invite', { name: 'club', u: 'dave' })],
      ['kick', () => bob.request('room.kick', { name: 'club', u: 'carol' })],
      ['ban', () => bob.request('room.ban', { name: 'club', u: 'carol' })],
      ['unban', () => bob.request('room.unban', { name: 'club', u: 'carol' })],
      ['mute', () => bob.request('room.mute', { name: 'club', u: 'carol', seconds: 60 })],
      ['unmute', () => bob.request('room.mute', { name: 'club', u: 'carol', seconds: 0 })],
      ['role', () => bob.request('room.role', { name: 'club', u: 'carol', role: 'mod' })],
      ['hand over', () => bob.request('room.role', { name: 'club', u: 'bob', role: 'owner' })],
      ['topic', () => bob.request('room.topic', { name: 'club', topic: 'mine now' })],
      ['remove', () => bob.request('chat.delete', { c: 'club', s: aliceMsg })],
    ];
    await h.user('dave');
    for (const [what, attempt] of attempts) {
      await expect(attempt(), what).rejects.toMatchObject({ code: expect.stringMatching(/^(FORBIDDEN|BAD_REQUEST)$/) });
    }
    // Acting on oneself is BAD_REQUEST; everything else FORBIDDEN.
    await expect(bob.request('room.kick', { name: 'club', u: 'carol' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('moderators'),
    });
    expect(await roomState(h, 'club')).toEqual(before);
  });

  it('lets a moderator act on members but not on another moderator or the owner', async () => {
    const { moe } = await club();
    await h.user('alice');
    await expect(moe.request('room.kick', { name: 'club', u: 'alice' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('the owner'),
    });
    const before = await roomState(h, 'club');
    await expect(moe.request('room.role', { name: 'club', u: 'bob', role: 'mod' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(moe.request('room.kick', { name: 'club', u: 'moe' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await roomState(h, 'club')).toEqual(before);
    expect(await moe.request('room.kick', { name: 'club', u: 'bob' })).toEqual({ name: 'club', s: expect.any(Number) });
  });

  it('kicks: the member is out, told on their inbox, the kick is in history; they may join a public room again', async () => {
    const { alice, bob } = await club();
    const inbox = await h.watch(bob, topics.inbox('bob'));
    const room = await h.watch(alice, topics.room('club'));
    const { s } = await alice.request('room.kick', { name: 'club', u: 'bob' });
    if (s === undefined) throw new Error('a kick that changed something has a history entry');
    expect(await inbox.waitFor((e) => e.t === 'mb')).toEqual([{ t: 'mb', c: 'club', on: false }]);
    expect(await room.waitFor((e) => e.t === 'm' && e.ev?.k === 'kick')).toEqual([
      { t: 'm', s, u: 'alice', x: '', at: expect.any(Number), ev: { k: 'kick', w: 'bob' } },
    ]);
    await expect(bob.request('chat.send', { c: 'club', x: 'still here?' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await roomEvents(h, 'club')).at(-1)).toEqual({ s, u: 'alice', x: '', ev: { k: 'kick', w: 'bob' } });
    // Kicking someone who is not in the room changes nothing and records nothing.
    expect(await alice.request('room.kick', { name: 'club', u: 'bob' })).toEqual({ name: 'club' });
    await bob.request('room.join', { name: 'club' });
    expect((await bob.request('chat.send', { c: 'club', x: 'back' })).s).toBeGreaterThan(s);
  });

  it('bans until unbanned: a banned user cannot join or be invited; the ban and unban are in history', async () => {
    const { alice, moe, bob } = await club();
    const { s: banned } = await moe.request('room.ban', { name: 'club', u: 'bob' });
    await expect(bob.request('room.join', { name: 'club' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'you are banned from club' });
    await expect(alice.request('room.invite', { name: 'club', u: 'bob' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await moe.request('room.ban', { name: 'club', u: 'bob' })).toEqual({ name: 'club' });
    // Someone who was never in the room can be banned before they join.
    await h.user('eve');
    await moe.request('room.ban', { name: 'club', u: 'eve' });
    const { s: unbanned } = await moe.request('room.unban', { name: 'club', u: 'bob' });
    expect(await moe.request('room.unban', { name: 'club', u: 'bob' })).toEqual({ name: 'club' });
    await bob.request('room.join', { name: 'club' });
    const events = (await roomEvents(h, 'club')).map((e) => [e.s, e.u, e.ev]);
    expect(events).toEqual(
      expect.arrayContaining([
        [banned, 'moe', { k: 'ban', w: 'bob' }],
        [unbanned, 'moe', { k: 'unban', w: 'bob' }],
      ]),
    );
  });

  it('mutes for a while: sends are FORBIDDEN with when it ends, until it ends or is lifted', async () => {
    const clock = manualClock(Date.UTC(2026, 11, 7, 14, 0));
    const { alice, bob } = await club({ now: clock.now });
    const { until, s } = await alice.request('room.mute', { name: 'club', u: 'bob', seconds: 600 });
    expect(until).toBe(clock.now() + 600_000);
    if (s === undefined) throw new Error('a mute that changed something has a history entry');
    expect((await roomEvents(h, 'club')).at(-1)).toEqual({ s, u: 'alice', x: '', ev: { k: 'mute', w: 'bob', until } });
    const refused = bob.request('chat.send', { c: 'club', x: 'let me speak' });
    await expect(refused).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'You are muted in club until 2026-12-07 14:10 UTC.', retryAfter: 600 });
    clock.advance(601_000);
    expect((await bob.request('chat.send', { c: 'club', x: 'free again' })).s).toBeGreaterThan(s);
    await alice.request('room.mute', { name: 'club', u: 'bob', seconds: 3600 });
    const { s: lifted } = await alice.request('room.mute', { name: 'club', u: 'bob', seconds: 0 });
    expect(lifted).toBeDefined();
    expect(await alice.request('room.mute', { name: 'club', u: 'bob', seconds: 0 })).toEqual({ name: 'club' });
    await bob.request('chat.send', { c: 'club', x: 'thanks' });
  });

  it('keeps one owner: handing over makes the old owner a moderator; the owner cannot leave others behind', async () => {
    const { alice } = await club();
    await expect(alice.request('room.leave', { name: 'club' })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('hand it over') });
    await alice.request('room.role', { name: 'club', u: 'bob', role: 'owner' });
    const roles = Object.fromEntries(
      (
        await h.stack.db.prisma.membership.findMany({ where: { conversationId: roomId('club') }, select: { role: true, user: { select: { username: true } } } })
      ).map((m) => [m.user.username, m.role]),
    );
    expect(roles).toEqual({ alice: 'mod', bob: 'owner', moe: 'mod', carol: 'member' });
    await expect(alice.request('room.role', { name: 'club', u: 'carol', role: 'mod' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(alice.request('room.kick', { name: 'club', u: 'bob' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await alice.request('room.leave', { name: 'club' });
    // Alone in a room, its owner may leave.
    const solo = await h.user('solo');
    await solo.request('room.create', { name: 'alone' });
    expect(await solo.request('room.leave', { name: 'alone' })).toEqual({ name: 'alone' });
  });

  it('sets the topic (moderators), records it, and does nothing for the same topic', async () => {
    const { moe } = await club();
    const { s } = await moe.request('room.topic', { name: 'club', topic: '  poetry  ' });
    expect((await roomState(h, 'club')).conversation?.topic).toBe('poetry');
    expect(await moe.request('room.topic', { name: 'club', topic: 'poetry' })).toEqual({ name: 'club' });
    await moe.request('room.topic', { name: 'club', topic: '' });
    expect((await roomState(h, 'club')).conversation?.topic).toBeNull();
    expect((await roomEvents(h, 'club')).slice(-2).map((e) => e.ev)).toEqual([
      { k: 'topic', x: 'poetry' },
      { k: 'topic', x: '' },
    ]);
    expect(s).toBeGreaterThan(0);
  });

  it('lets a moderator remove a member’s message: a tombstone naming them, a live `d` with rb, a `remove` event', async () => {
    const { moe, bob, alice } = await club();
    const room = await h.watch(alice, topics.room('club'));
    const { s } = await bob.request('chat.send', { c: 'club', x: 'spam spam' });
    await moe.request('chat.delete', { c: 'club', s });
    const row = await h.stack.db.prisma.message.findUniqueOrThrow({ where: { conversationId_seq: { conversationId: roomId('club'), seq: s } } });
    const moId = (await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'moe' } })).id;
    expect(row).toMatchObject({ text: '', removedById: moId, deletedAt: expect.any(Date) });
    expect(await room.waitFor((e) => e.t === 'd')).toEqual([{ t: 'd', s, rb: 'moe' }]);
    expect((await roomEvents(h, 'club')).at(-1)?.ev).toEqual({ k: 'remove', s });
    // A moderator's message is not theirs to remove for another moderator; the owner may.
    const { s: modMsg } = await moe.request('chat.send', { c: 'club', x: 'mod speaking' });
    await alice.request('room.role', { name: 'club', u: 'bob', role: 'mod' });
    await expect(bob.request('chat.delete', { c: 'club', s: modMsg })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await alice.request('chat.delete', { c: 'club', s: modMsg });
    // A room event is not a message: nobody edits or deletes it.
    const eventSeq = (await roomEvents(h, 'club')).at(-1)!.s;
    await expect(alice.request('chat.edit', { c: 'club', s: eventSeq, x: 'rewritten' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('answers a retried action (same id) with the first answer and records it once', async () => {
    await club();
    const raw = await h.raw('alice', 'retry');
    const first = await raw.call('room.kick', 'kick-1', { name: 'club', u: 'bob' });
    const again = await raw.call('room.kick', 'kick-1', { name: 'club', u: 'bob' });
    expect(first.r).toEqual({ name: 'club', s: expect.any(Number) });
    expect(again.r).toEqual(first.r);
    // Even after a restart, when only the database remembers it.
    await h.restart();
    const raw2 = await h.raw('alice', 'retry2');
    expect((await raw2.call('room.kick', 'kick-1', { name: 'club', u: 'bob' })).r).toEqual(first.r);
    expect((await roomEvents(h, 'club')).filter((e) => e.ev.k === 'kick')).toHaveLength(1);
  });

  it('refuses bad input with BAD_REQUEST and unknown users with NOT_FOUND, changing nothing', async () => {
    const { alice } = await club();
    const before = await roomState(h, 'club');
    const raw = await h.raw('alice', 'bad');
    for (const [action, body] of [
      ['room.kick', { name: 'club' }],
      ['room.kick', { name: 'club', u: 'x' }],
      ['room.mute', { name: 'club', u: 'bob', seconds: -5 }],
      ['room.mute', { name: 'club', u: 'bob', seconds: 31 * 24 * 3600 }],
      ['room.mute', { name: 'club', u: 'bob', seconds: 1.5 }],
      ['room.role', { name: 'club', u: 'bob', role: 'admin' }],
      ['room.topic', { name: 'club', topic: 'x'.repeat(301) }],
      ['room.ban', { name: 'Not A Room!', u: 'bob' }],
    ] as const) {
      const reply = await raw.call(action, `bad-${action}-${JSON.stringify(body).length}`, body);
      expect(reply.e?.code, `${action} ${JSON.stringify(body)}`).toBe('BAD_REQUEST');
    }
    await expect(alice.request('room.kick', { name: 'club', u: 'nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.request('room.kick', { name: 'nowhere', u: 'bob' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await roomState(h, 'club')).toEqual(before);
  });
});

describeBackends('private rooms in chat-store', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  it('hides a private room from non-members (NOT_FOUND, as a room that does not exist) and lets invitees in', async () => {
    h = await startChat(backend);
    const access = accessEvents(h);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.create', { name: 'secret', private: true });
    const missing = await bob.request('room.join', { name: 'nosuchroom' }).catch((e: unknown) => e);
    for (const attempt of [
      () => bob.request('room.join', { name: 'secret' }),
      () => bob.request('chat.send', { c: 'secret', x: 'hi' }),
      () => bob.request('room.leave', { name: 'secret' }).then(() => bob.request('chat.read', { c: 'secret', s: 1 })),
      () => bob.request('room.kick', { name: 'secret', u: 'alice' }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'NOT_FOUND', message: (missing as Error).message.replace('nosuchroom', 'secret') });
    }
    const inbox = await h.watch(bob, topics.inbox('bob'));
    await alice.request('room.invite', { name: 'secret', u: 'bob' });
    expect(await inbox.waitFor((e) => e.t === 'mb')).toEqual([{ t: 'mb', c: 'secret', on: true }]);
    expect((await bob.request('chat.send', { c: 'secret', x: 'thanks' })).s).toBe(2);
    await alice.request('room.kick', { name: 'secret', u: 'bob' });
    await expect(bob.request('chat.send', { c: 'secret', x: 'hello?' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect
      .poll(() => access)
      .toEqual([
        { r: 'secret', u: 'alice', on: true },
        { r: 'secret', u: 'bob', on: true },
        { r: 'secret', u: 'bob', on: false },
      ]);
  });

  it('tells the brokers nothing about public rooms', async () => {
    h = await startChat(backend);
    const access = accessEvents(h);
    const alice = await h.user('alice');
    await h.user('bob');
    await alice.request('room.create', { name: 'open' });
    await alice.request('room.invite', { name: 'open', u: 'bob' });
    await alice.request('room.kick', { name: 'open', u: 'bob' });
    await alice.request('chat.send', { c: 'open', x: 'flush' });
    const room = await h.watch(alice, topics.room('open'));
    await alice.request('chat.send', { c: 'open', x: 'seen' });
    await room.waitFor((e) => e.t === 'm');
    expect(access).toEqual([]);
  });
});

describeBackends('mentions', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  it('records the members a message mentions and tells each on their inbox; not the sender, not outsiders', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    await h.user('dave');
    await alice.request('room.create', { name: 'team' });
    await bob.request('room.join', { name: 'team' });
    await carol.request('room.join', { name: 'team' });
    const bobInbox = await h.watch(bob, topics.inbox('bob'));
    const { s } = await alice.request('chat.send', { c: 'team', x: '@Bob and @carol, ask @dave (not here) and @alice and @nobody' });
    expect(await bobInbox.waitFor((e) => e.t === 'mn')).toEqual([{ t: 'mn', c: 'team', s, u: 'alice' }]);
    const mentions = await h.stack.db.prisma.mention.findMany({ select: { seq: true, user: { select: { username: true } } } });
    expect(mentions.map((m) => m.user.username).sort()).toEqual(['bob', 'carol']);
    expect(mentions.every((m) => m.seq === s)).toBe(true);
    // In a direct conversation, the other one is mentioned as @alice from bob's side.
    const aliceInbox = await h.watch(alice, topics.inbox('alice'));
    const dm = await bob.request('chat.send', { c: '@alice', x: 'hey @alice' });
    expect(await aliceInbox.waitFor((e) => e.t === 'mn')).toEqual([{ t: 'mn', c: '@bob', s: dm.s, u: 'bob' }]);
  });
});

describe('room actions keep the send rate', () => {
  let h: ChatHarness;
  afterEach(async () => h?.close());
  it('refuses room actions past the sender’s send limit with RATE_LIMITED', async () => {
    h = await startChat('sqlite', { settings: { sendBurst: 3, sendRatePerSecond: 0.001 } });
    const alice = await h.user('alice');
    await alice.request('room.create', { name: 'fast' });
    const outcomes = await Promise.allSettled(['t1', 't2', 't3', 't4', 't5'].map((topic) => alice.request('room.topic', { name: 'fast', topic })));
    const codes = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code?: string }).code] : []));
    expect(codes).toContain('RATE_LIMITED');
  });
});
