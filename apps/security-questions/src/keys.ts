import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RECOVERY_CODE_ALPHABET, RECOVERY_CODE_LENGTH, SECURITY_QUESTIONS } from '@tidings/protocol';

/**
 * The recovery key: 32 random bytes only this service knows (a file in the data directory, or
 * TIDINGS_RECOVERY_KEY). Two keys are derived from it, one per use:
 *  - the decoy key picks the question shown for an unknown username: an HMAC, not a plain hash,
 *    so nobody without the key can compute which question a name that does not exist gets and
 *    compare it with what the service says;
 *  - the code key hashes recovery codes (HMAC-SHA256): a copy of the database alone cannot be
 *    searched for codes.
 * Changing the key voids every recovery code and changes every decoy question.
 */
export const RECOVERY_KEY_FILE = 'recovery-key';

export interface RecoveryKeys {
  decoy: Buffer;
  codes: Buffer;
}

export function deriveKeys(key: string | Buffer): RecoveryKeys {
  const sub = (label: string) => createHmac('sha256', key).update(label).digest();
  return { decoy: sub('tidings/security-questions/decoy-question/v1'), codes: sub('tidings/security-questions/recovery-code/v1') };
}

/** Reads `<dataDir>/recovery-key`, creating it (mode 0600, exclusive) with a fresh random key on first start. */
export function loadOrCreateRecoveryKey(dataDir: string): string {
  const file = path.join(dataDir, RECOVERY_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    return readKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readKey(file);
}

function readKey(file: string): string {
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < 32) throw new Error(`${file} holds no usable key (at least 32 characters)`);
  return key;
}

/** The question shown for a username without a real one: the same every time for that name and key. */
export function decoyQuestion(keys: RecoveryKeys, username: string): string {
  const mac = createHmac('sha256', keys.decoy).update(username).digest();
  // 48 bits modulo a dozen: the bias is far below anything measurable.
  return SECURITY_QUESTIONS[mac.readUIntBE(0, 6) % SECURITY_QUESTIONS.length]!;
}

/** What the database stores for a code (hex HMAC of the username and the canonical code). */
export function codeHash(keys: RecoveryKeys, username: string, canonicalCode: string): string {
  return createHmac('sha256', keys.codes).update(`${username}\n${canonicalCode}`).digest('hex');
}

/** One fresh code, `xxxxx-xxxxx`, from the OS's random source (each character uniform over 32). */
export function newRecoveryCode(random: (n: number) => Buffer = randomBytes): string {
  let out = '';
  while (out.length < RECOVERY_CODE_LENGTH) {
    for (const byte of random(RECOVERY_CODE_LENGTH)) {
      if (out.length === RECOVERY_CODE_LENGTH) break;
      out += RECOVERY_CODE_ALPHABET[byte & 31]; // 256 is a multiple of 32: no bias
    }
  }
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}
