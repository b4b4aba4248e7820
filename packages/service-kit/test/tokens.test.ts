import { describe, expect, it } from 'vitest';
import { issueToken, parseToken, safeEqual, secretMatches } from '../src/index.js';

describe('session tokens', () => {
  it('round-trips a fresh token and matches only its own secret', () => {
    const a = issueToken();
    const b = issueToken();
    const parsed = parseToken(a.token);
    expect(parsed?.sessionId).toBe(a.sessionId);
    expect(secretMatches(parsed!.secret, a.tokenHash)).toBe(true);
    expect(secretMatches(parseToken(b.token)!.secret, a.tokenHash)).toBe(false);
    expect(a.tokenHash).not.toContain(parsed!.secret);
  });

  it('makes session ids that never start with - or _', () => {
    for (let i = 0; i < 2000; i++) expect(issueToken().sessionId).toMatch(/^[A-Za-z0-9]/);
  });

  it.each(['', 'nodot', 'a.b', `${'x'.repeat(16)}.short`, `bad id!!!!!!!!!!!!.${'y'.repeat(43)}`])('refuses the malformed token %j', (t) => {
    expect(parseToken(t)).toBeNull();
  });

  it('compares strings in constant time and correctly', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
