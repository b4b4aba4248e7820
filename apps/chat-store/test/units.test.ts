import { describe, expect, it } from 'vitest';
import { advanceLastSeq, advanceReadMarkers, insertMessages, selectStored, touchSenders, type Statement } from '../src/batch-sql.js';
import { BoundedMap } from '../src/bounded-map.js';
import { isUniqueViolation } from '../src/errors.js';
import { DEFAULT_SETTINGS, MAX_BATCH, resolveSettings } from '../src/settings.js';

describe('settings', () => {
  it('starts from the production defaults and takes overrides', () => {
    expect(resolveSettings()).toEqual(DEFAULT_SETTINGS);
    expect(resolveSettings({ sendBurst: 5 })).toEqual({ ...DEFAULT_SETTINGS, sendBurst: 5 });
    // waiting for the database may be turned off (a send then meets UNAVAILABLE at the first failure)
    expect(resolveSettings({ dbRetryMs: 0 }).dbRetryMs).toBe(0);
  });

  it('refuses values that make no sense', () => {
    expect(() => resolveSettings({ sendRatePerSecond: 0 })).toThrow(/sendRatePerSecond/);
    expect(() => resolveSettings({ sendBurst: -1 })).toThrow(/sendBurst/);
    expect(() => resolveSettings({ maxBatch: Number.NaN })).toThrow(/maxBatch/);
    expect(() => resolveSettings({ maxBatch: 1.5 })).toThrow(/maxBatch/);
    expect(() => resolveSettings({ maxBatch: MAX_BATCH + 1 })).toThrow(/maxBatch/);
    expect(() => resolveSettings({ dbRetryMs: -1 })).toThrow(/dbRetryMs/);
    expect(() => resolveSettings({ maxWaiting: 0 })).toThrow(/maxWaiting/);
    expect(() => resolveSettings({ maxWaiting: 2.5 })).toThrow(/maxWaiting/);
    expect(() => resolveSettings({ dbRetryBaseMs: 500, dbRetryMaxMs: 100 })).toThrow(/dbRetryMaxMs/);
  });
});

describe('the bounded map', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3);
    expect(m.has('b')).toBe(false);
    expect(m.get('a')).toBe(1);
    expect(m.get('c')).toBe(3);
    expect(m.size).toBe(2);
  });
});

describe('the batch statements', () => {
  const batch = [
    { id: 'm1', conversationId: 'room_general', seq: 7, senderId: 'u1', clientKey: 'k1', text: "it's; DROP TABLE", createdAt: new Date(0), event: null },
    { id: 'm2', conversationId: 'dm_a:b', seq: 1, senderId: 'u2', clientKey: 'k2', text: '$1 ?', createdAt: new Date(0), event: '{"k":"topic","x":"$2"}' },
  ];
  const statements = (provider: 'sqlite' | 'postgresql'): Statement[] => [
    selectStored(provider, batch),
    insertMessages(provider, batch),
    advanceLastSeq(provider, [
      { id: 'room_general', from: 6, to: 7 },
      { id: 'dm_a:b', from: 0, to: 1 },
    ]),
    advanceReadMarkers(provider, [{ conversationId: 'room_general', userId: 'u1', s: 7 }]),
    touchSenders(provider, ['u1', 'u2'], new Date(0)),
  ];

  it('carries every value as a parameter, never in the SQL text', () => {
    for (const st of [...statements('sqlite'), ...statements('postgresql')]) {
      expect(st.sql).not.toContain('DROP TABLE');
      expect(st.sql).not.toContain('room_general');
      expect(st.sql).not.toContain('k1');
    }
  });

  it('numbers the placeholders for PostgreSQL and uses ? for SQLite, one per value', () => {
    for (const st of statements('sqlite')) {
      expect(st.sql.match(/\?/g)).toHaveLength(st.values.length);
      expect(st.sql).not.toMatch(/\$\d/);
    }
    for (const st of statements('postgresql')) {
      const numbers = [...st.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
      expect(numbers).toEqual(st.values.map((_, i) => i + 1));
      expect(st.sql).not.toContain('?');
    }
  });
});

describe('isUniqueViolation', () => {
  it('knows a unique violation from Prisma, from SQLite, and from a raw statement on PostgreSQL', () => {
    expect(isUniqueViolation({ code: 'P2002' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(true);
    expect(isUniqueViolation({ code: 'P2010', meta: { code: '23505' } })).toBe(true);
    expect(isUniqueViolation({ code: 'P2010', message: 'Raw query failed. Code: `23505`. Message: `duplicate key value`' })).toBe(true);
    expect(isUniqueViolation({ code: 'P2010', meta: { code: '40001' } })).toBe(false);
    expect(isUniqueViolation(new Error('boom'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
