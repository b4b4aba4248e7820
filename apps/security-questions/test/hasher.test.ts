import { ARGON2_OPTIONS as AUTH_ARGON2_OPTIONS, createArgon2Hasher as createAuthHasher } from '@tidings/auth';
import { describe, expect, it } from 'vitest';
import { ARGON2_OPTIONS, createArgon2Hasher } from '../src/hasher.js';

describe('the hasher', () => {
  it('uses exactly the argon2id parameters of auth, which checks the passwords this service sets', () => {
    expect(ARGON2_OPTIONS).toEqual(AUTH_ARGON2_OPTIONS);
  });

  it('hashes with the production parameters; auth verifies and does not want to rehash it', async () => {
    const hasher = createArgon2Hasher();
    const stored = await hasher.hash('a reset password');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
    expect(await hasher.verify(stored, 'a reset password')).toBe(true);
    expect(await hasher.verify(stored, 'another password')).toBe(false);
    const auth = createAuthHasher();
    expect(await auth.verify(stored, 'a reset password')).toBe(true);
    expect(auth.needsRehash?.(stored)).toBe(false);
  });
});
