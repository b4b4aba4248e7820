import { LIST_LIMIT_MAX } from '@tidings/protocol';
import { manualClock } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChatQuery, type QueryHarness } from './helpers.js';
import { RoomSeed } from './rooms.js';

const T0 = Date.UTC(2026, 5, 1);
const HOUR = 3_600_000;

describeBackends('room.info and room.members', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('tells the caller their role, their mute while it lasts, and their ban', async () => {
    const clock = manualClock(T0);
    h = await startChatQuery(backend, { now: clock.now });
    const rooms = new RoomSeed(h.seed);
    const ops = await rooms.room('ops', ['olga', 'moe', 'mia', 'max'], { topic: 'on call' });
    await rooms.role(ops, 'olga', 'owner');
    await rooms.role(ops, 'moe', 'mod');
    await rooms.mute(ops, 'mia', 'moe', T0 + HOUR);
    await rooms.mute(ops, 'max', 'moe', T0 - 1); // over
    await rooms.ban(ops, 'bart', 'olga');
    await h.seed.send(ops, 'olga', 'one', 'two');

    const base = { name: 'ops', private: false, topic: 'on call', owner: 'olga', members: 4, lastSeq: 2 };
    expect(await (await h.user('olga')).request('room.info', { name: 'ops' })).toEqual({ ...base, role: 'owner' });
    expect(await (await h.user('moe')).request('room.info', { name: 'ops' })).toEqual({ ...base, role: 'mod' });
    const mia = await h.user('mia');
    expect(await mia.request('room.info', { name: 'ops' })).toEqual({ ...base, role: 'member', mutedUntil: T0 + HOUR });
    expect(await (await h.user('max')).request('room.info', { name: 'ops' })).toEqual({ ...base, role: 'member' });
    expect(await (await h.user('bart')).request('room.info', { name: 'ops' })).toEqual({ ...base, banned: true });
    expect(await (await h.user('nina')).request('room.info', { name: 'ops' })).toEqual(base);

    clock.advance(HOUR);
    expect(await mia.request('room.info', { name: 'ops' })).toEqual({ ...base, role: 'member' });
  });

  it('answers a room nobody owns without an owner, and NOT_FOUND for a room that does not exist', async () => {
    h = await startChatQuery(backend);
    await h.seed.room('general', ['alice']);
    const alice = await h.user('alice');
    expect(await alice.request('room.info', { name: 'general' })).toEqual({ name: 'general', private: false, members: 1, lastSeq: 0, role: 'member' });
    await expect(alice.request('room.info', { name: 'nowhere' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'there is no room named nowhere' });
    await expect(alice.request('room.members', { name: 'nowhere' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'there is no room named nowhere' });
  });

  it('lists members owner first, then moderators, then members, each by username, with mutes that are on', async () => {
    const clock = manualClock(T0);
    h = await startChatQuery(backend, { now: clock.now });
    const rooms = new RoomSeed(h.seed);
    const ops = await rooms.room('ops', ['zed', 'amy', 'yan', 'bob', 'cat', 'al.x', 'al_x', 'al-x']);
    await rooms.role(ops, 'zed', 'owner');
    await rooms.role(ops, 'yan', 'mod');
    await rooms.role(ops, 'cat', 'mod');
    await rooms.mute(ops, 'bob', 'yan', T0 + HOUR);
    await rooms.mute(ops, 'amy', 'yan', T0 - HOUR);
    const amy = await h.user('amy');

    const all = await amy.request('room.members', { name: 'ops' });
    expect(all).toEqual({
      members: [
        { u: 'zed', role: 'owner' },
        { u: 'cat', role: 'mod' },
        { u: 'yan', role: 'mod' },
        { u: 'al-x', role: 'member' },
        { u: 'al.x', role: 'member' },
        { u: 'al_x', role: 'member' },
        { u: 'amy', role: 'member' },
        { u: 'bob', role: 'member', mutedUntil: T0 + HOUR },
      ],
      more: false,
    });

    // Page by page, with every page size: each member once, in the same order.
    for (const limit of [1, 2, 3, 7]) {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await amy.request('room.members', { name: 'ops', limit, ...(after ? { after } : {}) });
        expect(page.members.length).toBeLessThanOrEqual(limit);
        seen.push(...page.members.map((m) => m.u));
        if (!page.more) break;
        after = page.next;
      }
      expect(seen, `limit ${limit}`).toEqual(all.members.map((m) => m.u));
    }
  });

  it('shows the bans, with who banned and when, to moderators and the owner only', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const ops = await rooms.room('ops', ['olga', 'moe', 'mia']);
    await rooms.role(ops, 'olga', 'owner');
    await rooms.role(ops, 'moe', 'mod');
    await rooms.ban(ops, 'vic', 'moe', T0);
    await rooms.ban(ops, 'ann', 'olga', T0 + 1000);

    const bans = {
      members: [
        { u: 'ann', by: 'olga', at: T0 + 1000 },
        { u: 'vic', by: 'moe', at: T0 },
      ],
      more: false,
    };
    expect(await (await h.user('olga')).request('room.members', { name: 'ops', banned: true })).toEqual(bans);
    const mo = await h.user('moe');
    expect(await mo.request('room.members', { name: 'ops', banned: true })).toEqual(bans);
    const first = await mo.request('room.members', { name: 'ops', banned: true, limit: 1 });
    expect(first).toEqual({ members: [bans.members[0]], more: true, next: 'ann' });
    expect(await mo.request('room.members', { name: 'ops', banned: true, after: first.next! })).toEqual({ members: [bans.members[1]], more: false });
    expect(await mo.request('room.members', { name: 'ops', banned: false })).toMatchObject({ members: [{ u: 'olga' }, { u: 'moe' }, { u: 'mia' }] });

    for (const who of ['mia' /* a member */, 'nina' /* not in it */, 'vic' /* banned */]) {
      const user = await h.user(who);
      await expect(user.request('room.members', { name: 'ops', banned: true }), who).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('refuses bad names, limits and cursors with BAD_REQUEST, changing nothing', async () => {
    h = await startChatQuery(backend);
    await h.seed.room('general', ['mallory', 'bob']);
    const raw = await h.rawUser('mallory');
    const before = await h.seed.counts();
    const bad: [string, Record<string, unknown>][] = [
      ['room.info', {}],
      ['room.info', { name: 12 }],
      ['room.info', { name: 'x' }],
      ['room.info', { name: 'x'.repeat(33) }],
      ['room.info', { name: '+' }],
      ['room.info', { name: 'general/x' }],
      ['room.info', { name: '@bob' }],
      ['room.info', { name: '-general' }],
      ['room.members', {}],
      ['room.members', { name: 'gen eral' }],
      ['room.members', { name: 'general', limit: 0 }],
      ['room.members', { name: 'general', limit: LIST_LIMIT_MAX + 1 }],
      ['room.members', { name: 'general', limit: 1.5 }],
      ['room.members', { name: 'general', limit: '5' }],
      ['room.members', { name: 'general', after: '' }],
      ['room.members', { name: 'general', after: 'x'.repeat(257) }],
      ['room.members', { name: 'general', after: 'bob' }], // not a cursor of the members list
      ['room.members', { name: 'general', after: '4.bob' }],
      ['room.members', { name: 'general', banned: 'yes' }],
    ];
    for (const [i, [action, fields]] of bad.entries()) {
      const reply = await raw.send(action, JSON.stringify({ id: `bad-${i}`, ...fields }));
      expect(reply.r, `${action} ${JSON.stringify(fields)}`).toBeUndefined();
      expect(reply.e?.code, `${action} ${JSON.stringify(fields)}`).toBe('BAD_REQUEST');
    }
    expect(await h.seed.counts()).toEqual(before);
    expect(await raw.send('room.info', JSON.stringify({ id: 'ok', name: 'General ' }))).toMatchObject({ id: 'ok', r: { name: 'general' } });
    expect(await raw.send('room.members', JSON.stringify({ id: 'ok2', name: 'general', after: '1.bob' }))).toMatchObject({
      id: 'ok2',
      r: { members: [{ u: 'mallory' }] },
    });
  });

  it('pages a room of 600 members 500 at a time, every member once', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const big = await rooms.room('big', []);
    const names = Array.from({ length: 600 }, (_, i) => `member${String(i).padStart(3, '0')}`);
    const users = names.map((username) => ({ id: `id-${username}`, username, passwordHash: '!' }));
    await h.seed.prisma.user.createMany({ data: users });
    await h.seed.prisma.membership.createMany({ data: users.map((u) => ({ conversationId: big, userId: u.id })) });
    const alice = await h.user('alice');
    const first = await alice.request('room.members', { name: 'big' });
    expect(first.members).toHaveLength(LIST_LIMIT_MAX);
    expect(first.more).toBe(true);
    const rest = await alice.request('room.members', { name: 'big', after: first.next! });
    expect([...first.members, ...rest.members].map((m) => m.u)).toEqual(names);
    expect(rest.more).toBe(false);
  });
});
