import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startLikes, watch, type LikesHarness } from './helpers.js';

describeBackends('like.add and like.remove', (backend) => {
  let h: LikesHarness;
  afterEach(async () => h?.close());

  async function likeState(conversationId: string, seq: number) {
    const message = await h.seed.prisma.message.findUniqueOrThrow({
      where: { conversationId_seq: { conversationId, seq } },
      select: { likeCount: true, reactionRows: { where: { emoji: '❤️' }, select: { user: { select: { username: true } } } } },
    });
    return { likeCount: message.likeCount, by: message.reactionRows.map((l) => l.user.username).sort() };
  }

  it('likes a message once per user: a second like keeps one like and the same count', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'like me');
    const alice = await h.user('alice');

    expect(await alice.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    expect(await likeState(general, 1)).toEqual({ likeCount: 1, by: ['alice'] });
    expect(await alice.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    expect(await likeState(general, 1)).toEqual({ likeCount: 1, by: ['alice'] });
    const aliceAgain = await h.user('alice', 'phone');
    expect(await aliceAgain.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    expect(await likeState(general, 1)).toEqual({ likeCount: 1, by: ['alice'] });
  });

  it('counts likes of different people and takes back only the caller’s own', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob', 'carol']);
    await h.seed.send(general, 'carol', 'one', 'two');
    const alice = await h.user('alice');
    const bob = await h.user('bob');

    await alice.request('like.add', { c: 'general', s: 2 });
    expect(await bob.request('like.add', { c: 'general', s: 2 })).toEqual({ s: 2, n: 2, me: true });
    expect(await likeState(general, 2)).toEqual({ likeCount: 2, by: ['alice', 'bob'] });
    expect(await likeState(general, 1)).toEqual({ likeCount: 0, by: [] });

    expect(await alice.request('like.remove', { c: 'general', s: 2 })).toEqual({ s: 2, n: 1, me: false });
    expect(await likeState(general, 2)).toEqual({ likeCount: 1, by: ['bob'] });
    expect(await alice.request('like.remove', { c: 'general', s: 2 })).toEqual({ s: 2, n: 1, me: false });
    expect(await alice.request('like.remove', { c: 'general', s: 1 })).toEqual({ s: 1, n: 0, me: false });
    expect(await likeState(general, 2)).toEqual({ likeCount: 1, by: ['bob'] });
  });

  it('lets people like their own messages', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.send(general, 'alice', 'mine');
    const alice = await h.user('alice');
    expect(await alice.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
  });

  it('publishes each new count on the room topic, in order, where other members see it', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob', 'carol']);
    await h.seed.send(general, 'carol', 'hello');
    const carol = await h.user('carol');
    const room = await watch(carol.client, topics.room('general'));
    const alice = await h.user('alice');
    const bob = await h.user('bob');

    await alice.request('like.add', { c: 'general', s: 1 });
    await alice.request('like.add', { c: 'general', s: 1 }); // nothing changes: no event
    await bob.request('like.add', { c: 'general', s: 1 });
    await alice.request('like.remove', { c: 'general', s: 1 });
    await room.next((e) => e.t === 'r' && room.events.length >= 3);
    expect(room.events).toEqual([
      { t: 'r', s: 1, rx: { '❤️': 1 }, u: 'alice', e: '❤️', on: true },
      { t: 'r', s: 1, rx: { '❤️': 2 }, u: 'bob', e: '❤️', on: true },
      { t: 'r', s: 1, rx: { '❤️': 1 }, u: 'alice', e: '❤️', on: false },
    ]);
  });

  it('counts 20 people liking one message at once, and the last live count is the true one', async () => {
    h = await startLikes(backend);
    const names = Array.from({ length: 20 }, (_, i) => `fan${String(i).padStart(2, '0')}`);
    const general = await h.seed.room('general', ['star', ...names]);
    await h.seed.send(general, 'star', 'popular');
    const star = await h.user('star');
    const room = await watch(star.client, topics.room('general'));
    const fans = await Promise.all(names.map((n) => h.user(n)));

    const replies = await Promise.all(fans.map((f) => f.request('like.add', { c: 'general', s: 1 })));
    expect(replies.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await likeState(general, 1)).toEqual({ likeCount: 20, by: names });
    await room.next((e) => e.t === 'r' && e.rx['❤️'] === 20);
    expect(room.events.map((e) => (e.t === 'r' ? (e.rx['❤️'] ?? 0) : -1))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('refuses someone who is not a member of the room with FORBIDDEN and writes nothing', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['bob']);
    await h.seed.send(general, 'bob', 'members only');
    const mallory = await h.user('mallory');
    const before = await h.seed.counts();
    await expect(mallory.request('like.add', { c: 'general', s: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(mallory.request('like.remove', { c: 'general', s: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await h.seed.counts()).toEqual(before);
  });

  it('answers a non-member of a private room exactly as for a room that does not exist, and writes nothing', async () => {
    h = await startLikes(backend);
    const secret = await h.seed.room('secret', ['bob']);
    await h.seed.prisma.conversation.update({ where: { id: secret }, data: { private: true } });
    await h.seed.send(secret, 'bob', 'members only');
    const mallory = await h.user('mallory');
    const before = await h.seed.counts();
    const errors = [];
    for (const c of ['secret', 'nowhere']) {
      for (const action of ['like.add', 'like.remove'] as const) {
        const err = await mallory.request(action, { c, s: 1 }).then(
          () => undefined,
          (e: unknown) => e as { code: string; message: string },
        );
        expect(err, `${action} ${c}`).toMatchObject({ code: 'NOT_FOUND' });
        errors.push(err!.message.replace(c, '<room>'));
      }
    }
    expect(new Set(errors).size, errors.join(' | ')).toBe(1);
    expect(await h.seed.counts()).toEqual(before);
    const bob = await h.user('bob');
    expect(await bob.request('like.add', { c: 'secret', s: 1 })).toEqual({ s: 1, n: 1, me: true });
  });

  it('refuses to like or unlike a room event with BAD_REQUEST, writing nothing', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', '');
    await h.seed.prisma.message.update({
      where: { conversationId_seq: { conversationId: general, seq: 1 } },
      data: { event: JSON.stringify({ k: 'topic', x: 'rules: be kind' }) },
    });
    const alice = await h.user('alice');
    const before = await h.seed.counts();
    for (const action of ['like.add', 'like.remove'] as const) {
      await expect(alice.request(action, { c: 'general', s: 1 }), action).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: 'a room event cannot get reactions',
      });
    }
    expect(await h.seed.counts()).toEqual(before);
  });

  it('answers NOT_FOUND for an unknown message, room or user, and for a deleted message, writing nothing', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'here', 'gone');
    await h.seed.like(general, 2, 'bob');
    await h.seed.remove(general, 2);
    await h.seed.userId('dora');
    const alice = await h.user('alice');
    const before = await h.seed.counts();
    for (const [c, s] of [
      ['general', 3],
      ['general', 2_000_000],
      ['general', 3_000_000_000],
      ['general', Number.MAX_SAFE_INTEGER],
      ['general', 2],
      ['nowhere', 1],
      ['@nobody', 1],
      ['@dora', 1], // a user, but no conversation with her
    ] as const) {
      await expect(alice.request('like.add', { c, s }), `${c}#${s}`).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(alice.request('like.remove', { c, s }), `${c}#${s}`).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await h.seed.counts()).toEqual(before);
    expect(await alice.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
  });
});

describeBackends('likes in direct conversations', (backend) => {
  let h: LikesHarness;
  afterEach(async () => h?.close());

  it('publishes the count to both participants’ inboxes, each with the ref they use, and to nobody else', async () => {
    h = await startLikes(backend);
    const ab = await h.seed.dm('alice', 'bob');
    await h.seed.send(ab, 'bob', 'just between us');
    const general = await h.seed.room('general', ['alice', 'carol']);
    await h.seed.send(general, 'carol', 'public');
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const aliceInbox = await watch(alice.client, topics.inbox('alice'));
    const bobInbox = await watch(bob.client, topics.inbox('bob'));
    const carolInbox = await watch(carol.client, topics.inbox('carol'));
    const carolRoom = await watch(carol.client, topics.room('general'));
    await expect(watch(carol.client, topics.inbox('alice'))).rejects.toThrow(/refused/);
    await expect(watch(carol.client, topics.inbox('bob'))).rejects.toThrow(/refused/);

    expect(await alice.request('like.add', { c: '@bob', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    const liked = { t: 'r', s: 1, rx: { '❤️': 1 }, u: 'alice', e: '❤️', on: true };
    expect(await aliceInbox.next((e) => e.t === 'r')).toEqual({ ...liked, c: '@bob' });
    expect(await bobInbox.next((e) => e.t === 'r')).toEqual({ ...liked, c: '@alice' });
    expect(await bob.request('like.add', { c: '@alice', s: 1 })).toEqual({ s: 1, n: 2, me: true });
    await bobInbox.next((e) => e.t === 'r' && e.rx['❤️'] === 2);

    // Barrier: the same service publishes a room count after the DM counts; once carol has it,
    // anything meant for her before it has arrived too.
    await alice.request('like.add', { c: 'general', s: 1 });
    await carolRoom.next((e) => e.t === 'r');
    expect(carolInbox.events).toEqual([]);
    expect(carolRoom.events).toEqual([{ t: 'r', s: 1, rx: { '❤️': 1 }, u: 'alice', e: '❤️', on: true }]);
  });

  it('lets a third user neither like nor unlike someone else’s direct messages: @bob names only their own conversation', async () => {
    h = await startLikes(backend);
    const ab = await h.seed.dm('alice', 'bob');
    await h.seed.send(ab, 'alice', 'secret 1', 'secret 2');
    await h.seed.like(ab, 1, 'bob');
    const carol = await h.user('carol');
    const before = await h.seed.counts();
    for (const c of ['@bob', '@alice']) {
      await expect(carol.request('like.add', { c, s: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(carol.request('like.remove', { c, s: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await h.seed.counts()).toEqual(before);

    const cb = await h.seed.dm('carol', 'bob');
    await h.seed.send(cb, 'bob', 'hi carol');
    expect(await carol.request('like.add', { c: '@bob', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    expect(await likeState(ab, 1)).toEqual({ likeCount: 1 }); // alice–bob untouched

    async function likeState(conversationId: string, seq: number) {
      const m = await h.seed.prisma.message.findUniqueOrThrow({ where: { conversationId_seq: { conversationId, seq } } });
      return { likeCount: m.likeCount };
    }
  });
});
