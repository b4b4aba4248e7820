import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChatQuery, type QueryHarness } from './helpers.js';
import { RoomSeed } from './rooms.js';

type Failure = { code: string; message: string };
const failureOf = (p: Promise<unknown>): Promise<Failure | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => e as Failure,
  );

describeBackends('private rooms', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('answers a non-member every read of a private room exactly as for a room that does not exist, and tells nothing of it', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const word = RoomSeed.secret();
    const secret = await rooms.room('secret', ['alice', 'bob'], { private: true, topic: `the ${word} plans` });
    await rooms.role(secret, 'alice', 'owner');
    await h.seed.send(secret, 'alice', `the ${word} is safe`, 'second');
    await rooms.ban(secret, 'mallory', 'alice');
    const general = await h.seed.room('general', ['alice', 'bob', 'carol', 'mallory']);
    await h.seed.send(general, 'bob', 'hello all');

    for (const who of ['carol', 'mallory'] /* never a member; banned */) {
      const user = await h.user(who);
      const asks = (name: string) => [
        user.request('chat.history', { c: name }),
        user.request('chat.history', { c: name, before: 2 }),
        user.request('chat.history', { c: name, after: 0 }),
        user.request('chat.history', { c: name, limit: 0 }),
        user.request('chat.search', { q: word, c: name }),
        user.request('room.info', { name }),
        user.request('room.members', { name }),
        user.request('room.members', { name, banned: true }),
      ];
      const forSecret = await Promise.all(asks('secret').map(failureOf));
      const forNowhere = await Promise.all(asks('nowhere').map(failureOf));
      for (const [i, failure] of forSecret.entries()) {
        expect(failure, `${who}: read ${i}`).toMatchObject({ code: 'NOT_FOUND' });
        expect(failure!.message.replace('secret', 'nowhere'), `${who}: read ${i}`).toBe(forNowhere[i]!.message);
      }

      const list = await user.request('room.list', {});
      expect(list.rooms.map((r) => r.name)).toEqual(['general']);
      const search = await user.request('chat.search', { q: word });
      expect(search.hits).toEqual([]);
      const conversations = await user.request('chat.conversations', {});
      expect(conversations.conversations.map((c) => c.c)).toEqual(['general']);
      expect(JSON.stringify([list, search, conversations])).not.toMatch(/secret/);
    }
  });

  it('lets its members read it: history, search, the list with private and topic, info and members', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const secret = await rooms.room('secret', ['alice', 'bob'], { private: true, topic: 'plans' });
    await rooms.room('open', ['carol'], { topic: '' });
    await rooms.role(secret, 'alice', 'owner');
    await h.seed.send(secret, 'alice', 'the plan is ready');
    const bob = await h.user('bob');

    const history = await bob.request('chat.history', { c: 'secret' });
    expect(history.messages.map((m) => m.x)).toEqual(['the plan is ready']);
    expect((await bob.request('chat.history', { c: 'secret', after: 0 })).messages).toHaveLength(1);
    expect((await bob.request('chat.search', { q: 'plan', c: 'secret' })).hits.map((hit) => hit.r)).toEqual(['secret#1']);
    expect((await bob.request('chat.search', { q: 'plan' })).hits.map((hit) => hit.r)).toEqual(['secret#1']);
    const list = await bob.request('room.list', {});
    expect(list.rooms).toEqual([
      { name: 'general', members: 0, lastSeq: 0, joined: false },
      { name: 'open', members: 1, lastSeq: 0, joined: false },
      { name: 'secret', members: 2, lastSeq: 1, joined: true, private: true, topic: 'plans' },
    ]);
    expect(await bob.request('room.info', { name: 'secret' })).toEqual({
      name: 'secret',
      private: true,
      topic: 'plans',
      owner: 'alice',
      members: 2,
      lastSeq: 1,
      role: 'member',
    });
  });

  it('forgets a private room for someone removed from it: no history, no search hit, not listed, not among their conversations', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const secret = await rooms.room('secret', ['alice', 'bob'], { private: true });
    await h.seed.send(secret, 'bob', 'bob wrote this before');
    const bob = await h.user('bob');
    expect((await bob.request('chat.search', { q: 'wrote' })).hits).toHaveLength(1);
    expect((await bob.request('chat.conversations', {})).conversations.map((c) => c.c)).toEqual(['secret']);

    await rooms.drop(secret, 'bob'); // kicked
    await expect(bob.request('chat.history', { c: 'secret' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'there is no room named secret' });
    expect((await bob.request('chat.search', { q: 'wrote' })).hits).toEqual([]);
    expect((await bob.request('room.list', {})).rooms.map((r) => r.name)).toEqual(['general']);
    expect((await bob.request('chat.conversations', {})).conversations).toEqual([]);
  });

  it('keeps public rooms readable by everyone, searchable by members only (FORBIDDEN to others), and listed to all', async () => {
    h = await startChatQuery(backend);
    const rooms = new RoomSeed(h.seed);
    const open = await rooms.room('open', ['alice'], { topic: 'all welcome' });
    await h.seed.send(open, 'alice', 'open words');
    const dave = await h.user('dave');
    expect((await dave.request('chat.history', { c: 'open' })).messages.map((m) => m.x)).toEqual(['open words']);
    await expect(dave.request('chat.search', { q: 'open', c: 'open' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await dave.request('room.list', {})).rooms).toContainEqual({ name: 'open', members: 1, lastSeq: 1, joined: false, topic: 'all welcome' });
    expect(await dave.request('room.info', { name: 'open' })).toEqual({ name: 'open', private: false, topic: 'all welcome', members: 1, lastSeq: 1 });
    expect((await dave.request('room.members', { name: 'open' })).members).toEqual([{ u: 'alice', role: 'member' }]);
  });
});
