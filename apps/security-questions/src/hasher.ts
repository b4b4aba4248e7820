import { argon2id, hash, verify } from 'argon2';

/**
 * Hashes and checks secrets (passwords, normalised answers). The default is argon2id.
 *
 * A copy of apps/auth/src/hasher.ts (without the rehash-on-sign-in, which only auth does):
 * the two processes must hash passwords identically, because a password set by a reset here is
 * checked by auth at sign-in. test/hasher.test.ts fails when the parameters drift apart.
 */
export interface SecretHasher {
  hash(secret: string): Promise<string>;
  /** False for a wrong secret; throws only when the stored hash is unreadable. */
  verify(storedHash: string, secret: string): Promise<boolean>;
}

/** argon2id, memory 64 MiB, 3 passes, 4 lanes, 32-byte hash: the same as auth's ARGON2_OPTIONS. */
export const ARGON2_OPTIONS: Readonly<Argon2Params> = { memoryCost: 65_536, timeCost: 3, parallelism: 4, hashLength: 32 };

export interface Argon2Params {
  /** KiB of memory per hash. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  hashLength: number;
}

export function createArgon2Hasher(options: Partial<Argon2Params> = {}): SecretHasher {
  const params = { ...ARGON2_OPTIONS, ...options, type: argon2id as typeof argon2id };
  return {
    hash: (secret) => hash(secret, params),
    verify: (storedHash, secret) => verify(storedHash, secret),
  };
}
