import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/settings.js';

describe('settings', () => {
  it('refuses limits that would switch the protection off or make no sense', () => {
    expect(() => resolveSettings({ recoveryFailures: 0 })).toThrow(/at least 1/);
    expect(() => resolveSettings({ recoveryWindowMs: 0 })).toThrow(/positive/);
    expect(() => resolveSettings({ refusalDelayMs: -1 })).toThrow(/non-negative/);
    expect(resolveSettings({ recoveryFailures: 3 }).recoveryFailures).toBe(3);
    // the limits may live in Redis, whose TTLs are whole seconds
    expect(() => resolveSettings({ recoveryWindowMs: 1500 })).toThrow(/whole number of seconds/);
  });

  it('bounds the line of hashes as auth does: 2 at once, 16 waiting, 2 per client, 5 s', () => {
    expect(resolveSettings()).toMatchObject({ hashConcurrency: 2, hashQueue: 16, hashPerClient: 2, hashDeadlineMs: 5000 });
    expect(() => resolveSettings({ hashConcurrency: 0 })).toThrow(/hashConcurrency/);
    expect(() => resolveSettings({ hashDeadlineMs: 0 })).toThrow(/hashDeadlineMs/);
  });
});
