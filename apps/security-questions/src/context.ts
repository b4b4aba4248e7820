import type { Database } from '@tidings/db';
import { TidingsError } from '@tidings/protocol';
import { rateLimited, type Counter, type FailureLimit, type FairQueue, type Logger, type RevocationPublisher } from '@tidings/service-kit';
import type { LaterEvents } from './events.js';
import type { SecretHasher } from './hasher.js';
import type { RecoveryKeys } from './keys.js';
import type { RecoverySettings } from './settings.js';

/** What every handler of the service works with; built once by createSecurityQuestionsService. */
export interface RecoveryContext {
  db: Database;
  hasher: SecretHasher;
  keys: RecoveryKeys;
  settings: RecoverySettings;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Key `recover:<username>`: wrong answers and wrong codes together. These limits are this
   * service's own: nothing here ever blocks signing in with the password, which auth throttles
   * separately. Shared by every instance when the limits are in Redis (service-kit's createLimits). */
  recoveryFailures: FailureLimit;
  /** Key `password:<username>`: wrong current passwords (security.set, recovery.codes). */
  passwordFailures: FailureLimit;
  /** Key: the guest's client id; answer and code attempts. */
  clientAttempts: Counter;
  /** Key: the guest's client id; question look-ups. */
  questionLookups: Counter;
  /** A hash of a random secret made at start with the same parameters as real answers: a username
   * without an answer is checked against it, so every answer attempt costs one verification. */
  dummyHash: () => string;
  revocations: RevocationPublisher;
  events: LaterEvents;
  /** Every hash and verification waits its turn here (see {@link inHashLine}). */
  hashLine: FairQueue;
  logger: Logger;
}

/** The line's group of every recovery attempt on a username without an account. */
export const NO_ACCOUNT_GROUP = 'no-account';

/**
 * Runs a hash or verification in the line: it takes turns in the group of the account it is for
 * (`account:<username>`, or {@link NO_ACCOUNT_GROUP}), and counts against the client id's share.
 * The same keys as auth's, for the same reason (apps/auth/src/context.ts, lineTicket): a guest's
 * client id is free, the account is not.
 */
export function inHashLine<T>(rc: RecoveryContext, account: { username: string; exists: boolean }, clientId: string, job: () => Promise<T>): Promise<T> {
  const group = account.exists ? `account:${account.username}` : NO_ACCOUNT_GROUP;
  return rc.hashLine.run({ group, caps: [`client:${clientId}`] }, job);
}

/** Counts one attempt of the client in `limiter`; refuses (after the refusal delay) beyond its cap. */
export async function takeAttempt(rc: RecoveryContext, limiter: Counter, clientId: string, message: string): Promise<void> {
  const verdict = await limiter.take(clientId);
  if (verdict.allowed) return;
  await rc.sleep(rc.settings.refusalDelayMs);
  throw rateLimited(message, verdict.retryAfterMs);
}

/**
 * Runs one check of a secret under the failure limit of `key`: refused while the key is at its
 * limit; a false result counts as a failure, a true one clears the key.
 */
export async function underFailureLimit(
  rc: RecoveryContext,
  limiter: FailureLimit,
  key: string,
  message: string,
  check: () => Promise<boolean>,
): Promise<boolean> {
  const verdict = await limiter.begin(key);
  if (!verdict.allowed) {
    await rc.sleep(rc.settings.refusalDelayMs);
    throw rateLimited(message, verdict.retryAfterMs);
  }
  let ok: boolean;
  try {
    ok = await check();
  } catch (err) {
    await limiter.end(key, 'abandoned');
    throw err;
  }
  await limiter.end(key, ok ? 'success' : 'failure');
  return ok;
}

/**
 * Checks the signed-in caller's current password (security.set, recovery.codes), limited per
 * user, so a stolen session cannot be used to guess the password through this service.
 */
export async function checkCurrentPassword(rc: RecoveryContext, username: string, password: string, clientId: string): Promise<{ id: string }> {
  const user = await rc.db.prisma.user.findUnique({ where: { username }, select: { id: true, passwordHash: true } });
  if (!user) throw new TidingsError('UNAUTHORIZED', 'This account no longer exists.');
  const ok = await underFailureLimit(rc, rc.passwordFailures, `password:${username}`, 'Too many wrong passwords: wait and try again.', () =>
    inHashLine(rc, { username, exists: true }, clientId, () => rc.hasher.verify(user.passwordHash, password)),
  );
  if (!ok) throw new TidingsError('INVALID_CREDENTIALS', 'The current password is wrong.');
  return { id: user.id };
}
