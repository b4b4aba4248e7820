import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, resolveSettings } from '../src/settings.js';

describe('auth settings', () => {
  it('defaults to 30-day sessions and bounded locks', () => {
    expect(resolveSettings()).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.sessionTtlMs).toBe(30 * 24 * 3600 * 1000);
    expect(DEFAULT_SETTINGS.maxLockMs).toBe(15 * 60 * 1000);
  });

  it('takes overrides and refuses nonsense', () => {
    expect(resolveSettings({ sessionTtlMs: 1000 }).sessionTtlMs).toBe(1000);
    expect(() => resolveSettings({ sessionTtlMs: 0 })).toThrow(/sessionTtlMs/);
    expect(() => resolveSettings({ maxFailures: Number.NaN })).toThrow(/maxFailures/);
    expect(() => resolveSettings({ baseLockMs: 60_000, maxLockMs: 1000 })).toThrow(/maxLockMs/);
  });

  it('bounds the line of password hashes: 2 at once, 16 waiting, 2 per client, 5 s', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({ hashConcurrency: 2, hashQueue: 16, hashPerClient: 2, hashDeadlineMs: 5000 });
    expect(resolveSettings({ hashQueue: 0 }).hashQueue).toBe(0);
    expect(() => resolveSettings({ hashConcurrency: 0 })).toThrow(/hashConcurrency/);
    expect(() => resolveSettings({ hashPerClient: 0 })).toThrow(/hashPerClient/);
    expect(() => resolveSettings({ hashDeadlineMs: 0 })).toThrow(/hashDeadlineMs/);
  });
});
