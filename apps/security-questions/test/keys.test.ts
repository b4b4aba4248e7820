import { statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RECOVERY_CODE_ALPHABET, RECOVERY_CODE_PATTERN, normalizeRecoveryCode } from '@tidings/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RECOVERY_KEY_FILE, codeHash, deriveKeys, loadOrCreateRecoveryKey, newRecoveryCode } from '../src/keys.js';

describe('the recovery key', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is made once in the data directory, readable by its owner only, and read back the same', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tidings-key-'));
    const key = loadOrCreateRecoveryKey(dir);
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path.join(dir, RECOVERY_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateRecoveryKey(dir)).toBe(key);
  });

  it('refuses a key file that holds no usable key', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tidings-key-'));
    writeFileSync(path.join(dir, RECOVERY_KEY_FILE), 'short\n');
    expect(() => loadOrCreateRecoveryKey(dir!)).toThrow(/no usable key/);
  });
});

describe('recovery codes', () => {
  it('are ten characters of the alphabet, grouped 5-5, and every character is used', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const code = newRecoveryCode();
      expect(code).toMatch(RECOVERY_CODE_PATTERN);
      expect(normalizeRecoveryCode(code)).toBe(code);
      for (const c of code.replace('-', '')) seen.add(c);
    }
    expect([...seen].sort().join('')).toBe(RECOVERY_CODE_ALPHABET);
  });

  it('hash differently per user and per key', () => {
    const keys = deriveKeys('a-recovery-key-0123456789abcdefghijklmnop');
    const other = deriveKeys('b-recovery-key-0123456789abcdefghijklmnop');
    expect(codeHash(keys, 'alice', 'abcde-fghjk')).toBe(codeHash(keys, 'alice', 'abcde-fghjk'));
    expect(codeHash(keys, 'bob', 'abcde-fghjk')).not.toBe(codeHash(keys, 'alice', 'abcde-fghjk'));
    expect(codeHash(other, 'alice', 'abcde-fghjk')).not.toBe(codeHash(keys, 'alice', 'abcde-fghjk'));
  });
});
