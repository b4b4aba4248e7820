import { argon2id, hash, needsRehash, verify } from 'argon2';

/** Hashes and checks passwords. The default is argon2id; tests may pass a faster fake. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password; throws only when the stored hash is unreadable. */
  verify(storedHash: string, password: string): Promise<boolean>;
  /** True when a stored hash was made with weaker parameters than the current ones. */
  needsRehash?(storedHash: string): boolean;
}

/**
 * argon2id with RFC 9106's second recommended setting, which is also the argon2 package's
 * default: memory 64 MiB (65536 KiB), 3 passes, 4 lanes, 32-byte hash, 16-byte random salt.
 * That is above OWASP's minimum (19 MiB, 2 passes, 1 lane) and costs ≈100 ms on our machines.
 * The parameters are stored in each hash (`$argon2id$v=19$m=65536,p=4,t=3$…`), so raising them
 * later keeps old hashes verifiable; a sign-in rehashes a password whose hash is weaker.
 */
export const ARGON2_OPTIONS: Readonly<Argon2Params> = { memoryCost: 65_536, timeCost: 3, parallelism: 4, hashLength: 32 };

export interface Argon2Params {
  /** KiB of memory per hash. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  hashLength: number;
}

export function createArgon2Hasher(options: Partial<Argon2Params> = {}): PasswordHasher {
  const params = { ...ARGON2_OPTIONS, ...options, type: argon2id as typeof argon2id };
  const { memoryCost, timeCost, parallelism } = params;
  return {
    hash: (password) => hash(password, params),
    verify: (storedHash, password) => verify(storedHash, password),
    needsRehash: (storedHash) => needsRehash(storedHash, { memoryCost, timeCost, parallelism }),
  };
}
