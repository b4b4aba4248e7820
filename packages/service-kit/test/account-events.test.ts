import { describe, expect, it } from 'vitest';
import { accountEvent, eventId } from '../src/index.js';

describe('account events', () => {
  it('builds the row of one event, its time as a Date', () => {
    const row = accountEvent('user-1', 'signed-in', Date.UTC(2026, 0, 2, 3, 4, 5), 'laptop');
    expect(row).toMatchObject({ userId: 'user-1', kind: 'signed-in', at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), detail: 'laptop' });
    expect(accountEvent('user-1', 'session-revoked', new Date(0)).detail).toBeNull();
  });

  it('makes unique ids that sort by event time first, then by when they were made (to the microsecond)', () => {
    const at = Date.UTC(2026, 5, 1);
    const sameMs = Array.from({ length: 50 }, () => eventId(at));
    // Characters 9–19 are the wall clock in microseconds: never decreasing in the order made.
    const made = sameMs.map((id) => id.slice(9, 20));
    expect([...made].sort()).toEqual(made);
    expect(new Set(sameMs).size).toBe(50);
    expect(eventId(at - 1) < eventId(at)).toBe(true);
    expect(eventId(at + 1) > sameMs[sameMs.length - 1]!).toBe(true);
  });
});
