import { TidingsError } from '@tidings/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../src/rate-limit.js';
import { describeBackends, manualClock, roomId, startChat, type ChatHarness } from './helpers.js';

describe('the token bucket', () => {
  const settings = { ratePerSecond: 10, burst: 20, maxKeys: 100 };

  it('allows a burst, then one token per 1/rate seconds, never more than the burst', () => {
    const clock = manualClock(0);
    const limiter = new TokenBucketLimiter(settings, clock.now);
    for (let i = 0; i < 20; i++) expect(limiter.take('alice')).toEqual({ allowed: true });
    expect(limiter.take('alice')).toEqual({ allowed: false, retryAfterMs: 100 });
    clock.advance(50);
    expect(limiter.take('alice')).toEqual({ allowed: false, retryAfterMs: 50 });
    clock.advance(50);
    expect(limiter.take('alice')).toEqual({ allowed: true });
    expect(limiter.take('alice').allowed).toBe(false);
    clock.advance(60_000);
    expect(limiter.tokens('alice')).toBe(20);
  });

  it('keeps one bucket per user', () => {
    const limiter = new TokenBucketLimiter(settings, manualClock(0).now);
    for (let i = 0; i < 20; i++) limiter.take('alice');
    expect(limiter.take('alice').allowed).toBe(false);
    expect(limiter.take('bob').allowed).toBe(true);
  });

  it('gives a refunded token back, up to the burst', () => {
    const limiter = new TokenBucketLimiter(settings, manualClock(0).now);
    for (let i = 0; i < 20; i++) limiter.take('alice');
    limiter.refund('alice');
    expect(limiter.take('alice').allowed).toBe(true);
    limiter.refund('bob');
    expect(limiter.tokens('bob')).toBe(20);
  });

  it('adds nothing when the clock steps back', () => {
    const clock = manualClock(10_000);
    const limiter = new TokenBucketLimiter(settings, clock.now);
    for (let i = 0; i < 20; i++) limiter.take('alice');
    clock.advance(-5_000);
    expect(limiter.take('alice').allowed).toBe(false);
    clock.advance(5_100);
    expect(limiter.take('alice').allowed).toBe(true);
  });
});

describeBackends('the send rate limit', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  it('refuses sends beyond 20 at once with RATE_LIMITED and a retry-after, and lets them through as tokens come back', async () => {
    const clock = manualClock();
    h = await startChat(backend, { now: clock.now });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    await bob.request('room.join', { name: 'general' });

    const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => alice.request('chat.send', { c: 'general', x: `m${i}` })));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as TidingsError] : []));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    expect(refused).toHaveLength(5);
    for (const err of refused) {
      expect(err.code).toBe('RATE_LIMITED');
      expect(Number.isInteger(err.retryAfter)).toBe(true);
      expect(err.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect(await h.messages(roomId('general'))).toHaveLength(20);
    // someone else is not held back
    await expect(bob.request('chat.send', { c: 'general', x: 'bob is fine' })).resolves.toMatchObject({ s: 21 });

    clock.advance(1000); // 10 tokens
    const later = await Promise.allSettled(Array.from({ length: 11 }, (_, i) => alice.request('chat.send', { c: 'general', x: `later${i}` })));
    expect(later.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(later.filter((r) => r.status === 'rejected').map((r) => (r.reason as { code: string }).code)).toEqual(['RATE_LIMITED']);
    expect(await h.messages(roomId('general'))).toHaveLength(31);
  });

  it('answers a retry of a stored message even when out of tokens, and the retry takes none', async () => {
    const clock = manualClock();
    h = await startChat(backend, { now: clock.now });
    const alice = await h.user('alice');
    await alice.request('room.join', { name: 'general' });
    const first = await alice.request('chat.send', { c: 'general', x: 'first' }, { id: 'first' });
    for (let i = 0; i < 19; i++) await alice.request('chat.send', { c: 'general', x: `m${i}` });
    await expect(alice.request('chat.send', { c: 'general', x: 'one too many' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });

    for (let i = 0; i < 5; i++) expect(await alice.request('chat.send', { c: 'general', x: 'first' }, { id: 'first' })).toEqual(first);
    // also when the ack is no longer remembered in memory (after a restart): answered from the
    // database, whether tokens are left (the token is given back) or not
    await h.restart({ now: clock.now, settings: { sendBurst: 2 } });
    for (let i = 0; i < 3; i++) expect(await alice.request('chat.send', { c: 'general', x: 'first' }, { id: 'first' })).toEqual(first);
    await alice.request('chat.send', { c: 'general', x: 'new 1' });
    await alice.request('chat.send', { c: 'general', x: 'new 2' });
    await expect(alice.request('chat.send', { c: 'general', x: 'no token' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await alice.request('chat.send', { c: 'general', x: 'first' }, { id: 'first' })).toEqual(first);
    expect(await h.messages(roomId('general'))).toHaveLength(22);
  });
});
