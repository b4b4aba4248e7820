import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/settings.js';
import { TypingLimiter } from '../src/typing.js';

function limiter(overrides: Partial<{ typingIntervalMs: number; typingPerUserMax: number; maxTrackedKeys: number }> = {}) {
  let t = 1_000_000;
  const settings = { typingIntervalMs: 2000, typingPerUserMax: 10, maxTrackedKeys: 1000, ...overrides };
  return { limit: new TypingLimiter(settings, () => t), advance: (ms: number) => void (t += ms) };
}

describe('TypingLimiter', () => {
  it('lets one event per user and conversation through per interval', () => {
    const { limit, advance } = limiter();
    expect(limit.take('alice', 'general')).toBe(true);
    expect(limit.take('alice', 'general')).toBe(false);
    advance(1999);
    expect(limit.take('alice', 'general')).toBe(false);
    advance(1);
    expect(limit.take('alice', 'general')).toBe(true);
  });

  it('counts each conversation and each user on its own', () => {
    const { limit } = limiter();
    expect(limit.take('alice', 'general')).toBe(true);
    expect(limit.take('alice', '@bob')).toBe(true);
    expect(limit.take('bob', 'general')).toBe(true);
    expect(limit.take('alice', 'general')).toBe(false);
  });

  it('caps one user over all conversations in an interval', () => {
    const { limit, advance } = limiter({ typingPerUserMax: 3 });
    expect(['a1', 'a2', 'a3', 'a4'].map((room) => limit.take('alice', room))).toEqual([true, true, true, false]);
    expect(limit.take('bob', 'a1')).toBe(true);
    advance(2000);
    expect(limit.take('alice', 'a4')).toBe(true);
  });

  it('keeps at most maxTrackedKeys entries', () => {
    const { limit } = limiter({ maxTrackedKeys: 5, typingPerUserMax: 1000 });
    for (let i = 0; i < 50; i++) limit.take('alice', `room-${i}`);
    expect(limit.size).toBeLessThanOrEqual(5);
  });

  it('forgets entries once their interval is over', () => {
    const { limit, advance } = limiter();
    for (let i = 0; i < 20; i++) limit.take(`user${i}`, 'general');
    expect(limit.size).toBe(20);
    advance(2000);
    limit.take('alice', 'general');
    expect(limit.size).toBe(1);
  });
});

describe('resolveSettings', () => {
  it('keeps the defaults and refuses nonsense', () => {
    expect(resolveSettings({ settleMs: 10 })).toMatchObject({ settleMs: 10, typingIntervalMs: 2000 });
    expect(() => resolveSettings({ settleMs: -1 })).toThrow(RangeError);
    expect(() => resolveSettings({ typingIntervalMs: Number.NaN })).toThrow(RangeError);
    expect(() => resolveSettings({ typingPerUserMax: 0 })).toThrow(RangeError);
  });
});
