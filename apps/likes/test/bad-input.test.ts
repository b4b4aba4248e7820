import { malformedEnvelopes } from '@tidings/testkit';
import { MAX_REQUEST_BYTES, topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startLikes, watch, type LikesHarness, type RawClient } from './helpers.js';

const ACTIONS = ['like.add', 'like.remove'] as const;

/** Payloads no client of ours would send, and the error code each must get. */
function badPayloads(): { name: string; payload: string | Buffer; code: string }[] {
  const like = (fields: Record<string, unknown>) => JSON.stringify({ id: 'l1', ...fields });
  return [
    ...malformedEnvelopes({ c: 'general', s: 1 }),
    { name: 'no conversation', payload: like({ s: 1 }), code: 'BAD_REQUEST' },
    { name: 'no sequence number', payload: like({ c: 'general' }), code: 'BAD_REQUEST' },
    { name: 'a string sequence number', payload: like({ c: 'general', s: '1' }), code: 'BAD_REQUEST' },
    { name: 'a zero sequence number', payload: like({ c: 'general', s: 0 }), code: 'BAD_REQUEST' },
    { name: 'a negative sequence number', payload: like({ c: 'general', s: -1 }), code: 'BAD_REQUEST' },
    { name: 'a fractional sequence number', payload: like({ c: 'general', s: 1.5 }), code: 'BAD_REQUEST' },
    { name: 'an unsafe integer', payload: like({ c: 'general', s: 2 ** 60 }), code: 'BAD_REQUEST' },
    { name: 'a message ref string', payload: like({ c: 'general#1' }), code: 'BAD_REQUEST' },
    { name: 'an upper-case room', payload: like({ c: 'General', s: 1 }), code: 'BAD_REQUEST' },
    { name: 'a topic wildcard as the room', payload: like({ c: '#', s: 1 }), code: 'BAD_REQUEST' },
    { name: 'an empty @', payload: like({ c: '@', s: 1 }), code: 'BAD_REQUEST' },
    { name: 'a prototype key as the room', payload: like({ c: '__proto__', s: 1 }), code: 'BAD_REQUEST' },
    { name: 'an unknown room', payload: like({ c: 'no-such-room', s: 1 }), code: 'NOT_FOUND' },
    { name: 'an unknown message', payload: like({ c: 'general', s: 99 }), code: 'NOT_FOUND' },
    { name: 'a room the caller is not in', payload: like({ c: 'closed', s: 1 }), code: 'FORBIDDEN' },
    {
      name: 'more than 16 KiB',
      payload: JSON.stringify({ id: 'big', c: 'general', s: 1, padding: 'x'.repeat(MAX_REQUEST_BYTES) }),
      code: 'PAYLOAD_TOO_LARGE',
    },
  ];
}

describeBackends('bad input', (backend) => {
  let h: LikesHarness;
  afterEach(async () => h?.close());

  async function expectAllRefused(raw: RawClient, action: string) {
    for (const bad of badPayloads()) {
      const reply = await raw.send(action, bad.payload);
      expect(reply.r, `${action} with ${bad.name}`).toBeUndefined();
      expect(reply.e?.code, `${action} with ${bad.name}`).toBe(bad.code);
      expect(typeof reply.e?.message).toBe('string');
    }
  }

  for (const action of ACTIONS) {
    it(`answers every malformed ${action} with a typed error, changes nothing, publishes nothing, and keeps serving`, async () => {
      h = await startLikes(backend);
      const general = await h.seed.room('general', ['mallory', 'bob']);
      const closed = await h.seed.room('closed', ['bob']);
      await h.seed.send(general, 'bob', 'one', 'two');
      await h.seed.send(closed, 'bob', 'private-ish');
      await h.seed.like(general, 1, 'mallory');
      const bob = await h.user('bob');
      const room = await watch(bob.client, topics.room('general'));
      const raw = await h.rawUser('mallory');
      const before = await h.seed.counts();
      await expectAllRefused(raw, action);
      expect(await h.seed.counts()).toEqual(before);

      const ok = await raw.send(action, JSON.stringify({ id: 'ok-1', c: 'general', s: 2 }));
      expect(ok).toMatchObject({ id: 'ok-1', r: { s: 2 } });
      const liked = await raw.send('like.add', JSON.stringify({ id: 'ok-2', c: 'general', s: 2 }));
      expect(liked).toMatchObject({ id: 'ok-2', r: { s: 2, n: 1, me: true } });
      await room.next((e) => e.t === 'r' && e.s === 2);
      expect(room.events).toEqual([{ t: 'r', s: 2, rx: { '❤️': 1 }, u: 'mallory', e: '❤️', on: true }]); // the refused requests published nothing
    });
  }

  it('takes the liker from the broker-verified topic, never from the payload', async () => {
    h = await startLikes(backend);
    const general = await h.seed.room('general', ['mallory', 'bob']);
    await h.seed.send(general, 'bob', 'one');
    const raw = await h.rawUser('mallory');
    const reply = await raw.send('like.add', JSON.stringify({ id: 'x1', c: 'general', s: 1, u: 'bob', userId: 'bob', username: 'bob' }));
    expect(reply).toMatchObject({ r: { n: 1, me: true } });
    const likers = await h.seed.prisma.reaction.findMany({ select: { user: { select: { username: true } } } });
    expect(likers.map((l) => l.user.username)).toEqual(['mallory']);
  });
});
