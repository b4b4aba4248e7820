import { REACTIONS, REACTION_WHO_MAX, topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startLikes, watch, type LikesHarness } from './helpers.js';

describeBackends('reaction.add, reaction.remove and reaction.who', (backend) => {
  let h: LikesHarness;
  afterEach(async () => h?.close());

  async function rows(conversationId: string, seq: number) {
    const m = await h.seed.prisma.message.findUniqueOrThrow({
      where: { conversationId_seq: { conversationId, seq } },
      select: { likeCount: true, reactions: true, reactionRows: { select: { emoji: true, user: { select: { username: true } } } } },
    });
    return {
      likeCount: m.likeCount,
      reactions: m.reactions,
      rows: m.reactionRows.map((r) => `${r.user.username} ${r.emoji}`).sort(),
    };
  }

  it('gives and takes back reactions, each emoji once per user, and answers the counts and the caller’s own', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'react to me');
    const alice = await h.user('alice');
    const bob = await h.user('bob');

    expect(await alice.request('reaction.add', { c: 'general', s: 1, e: '🎉' })).toEqual({ s: 1, rx: { '🎉': 1 }, my: ['🎉'] });
    expect(await alice.request('reaction.add', { c: 'general', s: 1, e: '👍' })).toEqual({ s: 1, rx: { '👍': 1, '🎉': 1 }, my: ['👍', '🎉'] });
    // the same again, on another device too: nothing changes
    expect(await alice.request('reaction.add', { c: 'general', s: 1, e: '👍' })).toEqual({ s: 1, rx: { '👍': 1, '🎉': 1 }, my: ['👍', '🎉'] });
    const phone = await h.user('alice', 'phone');
    expect(await phone.request('reaction.add', { c: 'general', s: 1, e: '👍' })).toEqual({ s: 1, rx: { '👍': 1, '🎉': 1 }, my: ['👍', '🎉'] });
    expect(await bob.request('reaction.add', { c: 'general', s: 1, e: '👍' })).toEqual({ s: 1, rx: { '👍': 2, '🎉': 1 }, my: ['👍'] });
    expect(await rows(general, 1)).toEqual({ likeCount: 3, reactions: '{"👍":2,"🎉":1}', rows: ['alice 👍', 'alice 🎉', 'bob 👍'].sort() });

    expect(await alice.request('reaction.remove', { c: 'general', s: 1, e: '👍' })).toEqual({ s: 1, rx: { '👍': 1, '🎉': 1 }, my: ['🎉'] });
    expect(await alice.request('reaction.remove', { c: 'general', s: 1, e: '👍' })).toEqual({ s: 1, rx: { '👍': 1, '🎉': 1 }, my: ['🎉'] });
    expect(await alice.request('reaction.remove', { c: 'general', s: 1, e: '😢' })).toEqual({ s: 1, rx: { '👍': 1, '🎉': 1 }, my: ['🎉'] });
    expect(await rows(general, 1)).toEqual({ likeCount: 2, reactions: '{"👍":1,"🎉":1}', rows: ['alice 🎉', 'bob 👍'].sort() });
  });

  it('answers a request sent again with the same id (after a lost reply) as the first time, with one reaction stored', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.send(general, 'alice', 'hi');
    const raw = await h.rawUser('alice');
    const payload = JSON.stringify({ id: 'same-1', c: 'general', s: 1, e: '😂' });
    const first = await raw.send('reaction.add', payload);
    const again = await raw.send('reaction.add', payload);
    expect(first).toEqual({ id: 'same-1', r: { s: 1, rx: { '😂': 1 }, my: ['😂'] } });
    expect(again).toEqual(first);
    expect((await rows(general, 1)).rows).toEqual(['alice 😂']);
  });

  it('treats like.add and like.remove as the ❤️ reaction, both ways', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'old and new clients');
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    expect(await alice.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    expect(await bob.request('reaction.add', { c: 'general', s: 1, e: '❤️' })).toEqual({ s: 1, rx: { '❤️': 2 }, my: ['❤️'] });
    expect(await alice.request('reaction.remove', { c: 'general', s: 1, e: '❤️' })).toEqual({ s: 1, rx: { '❤️': 1 }, my: [] });
    expect(await bob.request('reaction.add', { c: 'general', s: 1, e: '😮' })).toMatchObject({ rx: { '❤️': 1, '😮': 1 } });
    expect(await bob.request('like.remove', { c: 'general', s: 1 })).toEqual({ s: 1, n: 0, me: false });
    expect(await rows(general, 1)).toEqual({ likeCount: 1, reactions: '{"😮":1}', rows: ['bob 😮'] });
  });

  it('holds at most the whole set per user and message, and refuses any other emoji with BAD_REQUEST, changing nothing', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.send(general, 'alice', 'everything');
    const alice = await h.user('alice');
    for (const e of REACTIONS) await alice.request('reaction.add', { c: 'general', s: 1, e });
    const all = await rows(general, 1);
    expect(all.rows).toHaveLength(REACTIONS.length);
    expect(all.likeCount).toBe(REACTIONS.length);

    const raw = await h.rawUser('alice');
    const before = await h.seed.counts();
    for (const e of ['👎', '❤', '❤️❤️', '👍🏽', '', 'heart', ':+1:', 1, null, ['👍']]) {
      for (const action of ['reaction.add', 'reaction.remove']) {
        const reply = await raw.send(action, JSON.stringify({ id: 'bad', c: 'general', s: 1, e }));
        expect(reply.r, `${action} ${JSON.stringify(e)}`).toBeUndefined();
        expect(reply.e?.code, `${action} ${JSON.stringify(e)}`).toBe('BAD_REQUEST');
      }
    }
    const missing = await raw.send('reaction.add', JSON.stringify({ id: 'no-e', c: 'general', s: 1 }));
    expect(missing.e?.code).toBe('BAD_REQUEST');
    const whoBad = await raw.send('reaction.who', JSON.stringify({ id: 'who-bad', c: 'general', s: 1, e: '👎' }));
    expect(whoBad.e?.code).toBe('BAD_REQUEST');
    expect(await h.seed.counts()).toEqual(before);
    expect(await rows(general, 1)).toEqual(all);
  });

  it('publishes the message’s counts, who and which emoji to the room, only when something changed', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'watch this');
    const bob = await h.user('bob');
    const room = await watch(bob.client, topics.room('general'));
    const alice = await h.user('alice');
    await alice.request('reaction.add', { c: 'general', s: 1, e: '😂' });
    await alice.request('reaction.add', { c: 'general', s: 1, e: '😂' }); // no change: no event
    await alice.request('reaction.remove', { c: 'general', s: 1, e: '🎉' }); // never given: no event
    await bob.request('reaction.add', { c: 'general', s: 1, e: '🎉' });
    await alice.request('reaction.remove', { c: 'general', s: 1, e: '😂' });
    await room.next(() => room.events.length >= 3);
    expect(room.events).toEqual([
      { t: 'r', s: 1, rx: { '😂': 1 }, u: 'alice', e: '😂', on: true },
      { t: 'r', s: 1, rx: { '😂': 1, '🎉': 1 }, u: 'bob', e: '🎉', on: true },
      { t: 'r', s: 1, rx: { '🎉': 1 }, u: 'alice', e: '😂', on: false },
    ]);
  });

  it('tells who reacted, earliest first, at most REACTION_WHO_MAX per emoji with the full counts; one emoji when asked', async () => {
    h = await startLikes(backend);
    const names = Array.from({ length: REACTION_WHO_MAX + 3 }, (_, i) => `fan${String(i).padStart(2, '0')}`);
    const general = await h.seed.room('general', ['star', ...names]);
    await h.seed.send(general, 'star', 'popular', 'quiet');
    const star = await h.user('star');
    for (const n of names) await h.seed.react(general, 1, n, '👍');
    await h.seed.react(general, 1, 'fan01', '😮');
    await h.seed.react(general, 1, 'star', '😮');

    const all = await star.request('reaction.who', { c: 'general', s: 1 });
    expect(all.rx).toEqual({ '👍': names.length, '😮': 2 });
    expect(Object.keys(all.who)).toEqual(['👍', '😮']);
    expect(all.who['👍']).toHaveLength(REACTION_WHO_MAX);
    expect(new Set(all.who['👍']).size).toBe(REACTION_WHO_MAX);
    expect(all.who['😮']!.sort()).toEqual(['fan01', 'star']);
    expect(await star.request('reaction.who', { c: 'general', s: 1, e: '😮' })).toMatchObject({ s: 1, rx: { '😮': 2 }, who: { '😮': expect.any(Array) } });
    expect(await star.request('reaction.who', { c: 'general', s: 1, e: '🎉' })).toEqual({ s: 1, rx: {}, who: {} });
    expect(await star.request('reaction.who', { c: 'general', s: 2 })).toEqual({ s: 2, rx: {}, who: {} });
  });

  it('lists who reacted earliest first', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['ann', 'ben', 'cat']);
    await h.seed.send(general, 'ann', 'order');
    for (const u of ['cat', 'ann', 'ben']) {
      const user = await h.user(u);
      await user.request('reaction.add', { c: 'general', s: 1, e: '❤️' });
      await new Promise((r) => setTimeout(r, 5)); // distinct times
    }
    const ann = await h.user('ann');
    expect((await ann.request('reaction.who', { c: 'general', s: 1 })).who).toEqual({ '❤️': ['cat', 'ann', 'ben'] });
  });

  it('lets anyone who may read a public room see who reacted, but not react without joining', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['bob']);
    await h.seed.send(general, 'bob', 'public');
    await h.seed.react(general, 1, 'bob', '🎉');
    const mallory = await h.user('mallory');
    expect(await mallory.request('reaction.who', { c: 'general', s: 1 })).toEqual({ s: 1, rx: { '🎉': 1 }, who: { '🎉': ['bob'] } });
    const before = await h.seed.counts();
    await expect(mallory.request('reaction.add', { c: 'general', s: 1, e: '🎉' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(mallory.request('reaction.remove', { c: 'general', s: 1, e: '🎉' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await h.seed.counts()).toEqual(before);
  });

  it('answers a private room’s non-member exactly as for a room that does not exist, for every reaction action, and writes nothing', async () => {
    h = await startLikes(backend);
    const secret = await h.seed.room('secret', ['bob']);
    await h.seed.prisma.conversation.update({ where: { id: secret }, data: { private: true } });
    await h.seed.send(secret, 'bob', 'members only');
    await h.seed.react(secret, 1, 'bob', '👍');
    const mallory = await h.user('mallory');
    const before = await h.seed.counts();
    const answers = new Set<string>();
    for (const c of ['secret', 'nowhere']) {
      for (const [action, body] of [
        ['reaction.add', { c, s: 1, e: '👍' }],
        ['reaction.remove', { c, s: 1, e: '👍' }],
        ['reaction.who', { c, s: 1 }],
      ] as const) {
        const err = await mallory.request(action, body).then(
          () => undefined,
          (e: unknown) => e as { code: string; message: string },
        );
        expect(err, `${action} ${c}`).toMatchObject({ code: 'NOT_FOUND' });
        answers.add(`${err!.code} ${err!.message.replace(c, '<room>')}`);
      }
    }
    expect([...answers]).toEqual(['NOT_FOUND there is no room named <room>']);
    expect(await h.seed.counts()).toEqual(before);
    const bob = await h.user('bob');
    expect(await bob.request('reaction.who', { c: 'secret', s: 1 })).toEqual({ s: 1, rx: { '👍': 1 }, who: { '👍': ['bob'] } });
  });

  it('refuses a deleted message or a room event, for reactions and for who reacted', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    await h.seed.send(general, 'bob', 'gone', '');
    await h.seed.remove(general, 1);
    await h.seed.prisma.message.update({
      where: { conversationId_seq: { conversationId: general, seq: 2 } },
      data: { event: JSON.stringify({ k: 'topic', x: 'be kind' }) },
    });
    const alice = await h.user('alice');
    await expect(alice.request('reaction.add', { c: 'general', s: 1, e: '👍' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.request('reaction.who', { c: 'general', s: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.request('reaction.add', { c: 'general', s: 2, e: '👍' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(alice.request('reaction.who', { c: 'general', s: 2 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(alice.request('reaction.who', { c: 'general', s: 3 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
