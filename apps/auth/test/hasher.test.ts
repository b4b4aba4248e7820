import { describe, expect, it } from 'vitest';
import { createArgon2Hasher } from '../src/hasher.js';

// The prebuilt argon2 binary crashes on some machines (see docs): this test makes a broken
// native build fail CI instead of the first sign-up in production.
describe('argon2id hasher', () => {
  const hasher = createArgon2Hasher();

  it('hashes with argon2id and verifies the right password only', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(stored.startsWith('$argon2id$')).toBe(true);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
    expect(stored).not.toContain('correct horse battery');
    expect(await hasher.verify(stored, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse batterY')).toBe(false);
    expect(await hasher.verify(stored, '')).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a).not.toBe(b);
  });

  it('asks for a rehash of hashes made with weaker parameters', async () => {
    const weak = createArgon2Hasher({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const old = await weak.hash('an older password');
    expect(hasher.needsRehash?.(old)).toBe(true);
    expect(await hasher.verify(old, 'an older password')).toBe(true);
    expect(hasher.needsRehash?.(await hasher.hash('x'.repeat(8)))).toBe(false);
  });
});
