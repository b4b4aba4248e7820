import { describe, expect, it } from 'vitest';
import { ReplyCache } from '../src/reply-cache.js';

const handled =
  (reply: string, keep = true) =>
  async () => ({ reply, keep });

describe('the reply cache', () => {
  it('answers a copy of a request with the first answer, without handling it again', async () => {
    const cache = new ReplyCache();
    let runs = 0;
    const handle = async () => ({ reply: `answer ${++runs}`, keep: true });
    expect(await cache.answer('alice:phone', 'room.create r1', handle)).toBe('answer 1');
    expect(await cache.answer('alice:phone', 'room.create r1', handle)).toBe('answer 1');
    expect(runs).toBe(1);
    // another id, or the same id from another client, is another request
    expect(await cache.answer('alice:phone', 'room.create r2', handle)).toBe('answer 2');
    expect(await cache.answer('bob:phone', 'room.create r1', handle)).toBe('answer 3');
  });

  it('lets a copy that arrives while the first is handled wait for its answer', async () => {
    const cache = new ReplyCache();
    let release: () => void = () => {};
    let runs = 0;
    const slow = () =>
      new Promise<{ reply: string; keep: boolean }>((resolve) => {
        runs++;
        release = () => resolve({ reply: 'done', keep: true });
      });
    const first = cache.answer('c', 'k', slow);
    const copy = cache.answer('c', 'k', slow);
    release();
    expect(await Promise.all([first, copy])).toEqual(['done', 'done']);
    expect(runs).toBe(1);
  });

  it('handles a copy again when the first answer said to retry, or failed', async () => {
    const cache = new ReplyCache();
    expect(await cache.answer('c', 'k', handled('unavailable', false))).toBe('unavailable');
    expect(await cache.answer('c', 'k', handled('stored'))).toBe('stored');
    await expect(cache.answer('c', 'x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.answer('c', 'x', handled('second try'))).toBe('second try');
  });

  it('forgets answers after their time, and never holds more than its bounds', async () => {
    let now = 0;
    const cache = new ReplyCache({ ttlMs: 1000, perClient: 3, maxEntries: 5, maxReplyBytes: 10, now: () => now });
    await cache.answer('c', 'old', handled('first'));
    now = 1001;
    expect(await cache.answer('c', 'old', handled('again'))).toBe('again');

    // one client keeps at most 3: its oldest goes first
    for (const k of ['a', 'b', 'c', 'd']) await cache.answer('spammer', k, handled(k));
    expect(await cache.answer('spammer', 'a', handled('handled again'))).toBe('handled again');
    expect(await cache.answer('spammer', 'd', handled('not again'))).toBe('d');

    // everyone together at most 5
    for (const who of ['p', 'q', 'r', 's', 't', 'u']) await cache.answer(who, 'k', handled(who));
    expect(cache.size).toBeLessThanOrEqual(5);

    // a long answer is not kept
    expect(await cache.answer('c', 'long', handled('0123456789ABC'))).toBe('0123456789ABC');
    expect(await cache.answer('c', 'long', handled('handled twice'))).toBe('handled twice');
  });
});
