import type { Database } from '@tidings/db';
import { rateLimited, type Counter, type FailureLimit, type FairQueue, type LineTicket, type Logger, type RevocationPublisher } from '@tidings/service-kit';
import type { PasswordHasher } from './hasher.js';
import type { AuthSettings } from './settings.js';

/** What every handler of the auth service works with; built once by createAuthService. */
export interface AuthContext {
  db: Database;
  hasher: PasswordHasher;
  settings: AuthSettings;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Wrong passwords per username, with escalating locks (service-kit's FailureLimit). Keys
   * `login:<username>` and `passwd:<username>` (separate, so a guest guessing at a username cannot
   * block its owner's password change). Shared by every auth instance when the limits are in Redis. */
  failures: FailureLimit;
  /** Sign-in and sign-up attempts per minute; key: the guest's client id. */
  clientAttempts: Counter;
  /** A hash of a random password, made at start: unknown users are verified against it so
   * they cost the same time as a wrong password. */
  dummyHash: () => string;
  revocations: RevocationPublisher;
  /** Every hash and verification waits its turn here (see {@link lineTicket}). */
  hashLine: FairQueue;
  logger: Logger;
}

/** The line's group of every sign-in attempt on a username without an account. */
export const NO_ACCOUNT_GROUP = 'no-account';
/** The line's group of every sign-up. */
export const SIGN_UP_GROUP = 'sign-up';

/**
 * A hash's place in the line: it takes turns in the group of the account it is for
 * (`account:<username>`), and it counts against the client id's share (at most hashPerClient).
 *
 * Why the account and not the client: a guest's client id is free — a flood of guests brings a new
 * one per connection — so turns by client id would give the flood one turn per connection and the
 * real user one in hundreds. The account is what the real user owns and a flood cannot multiply:
 * attempts on names without an account share one group ({@link NO_ACCOUNT_GROUP}), and so do all
 * sign-ups ({@link SIGN_UP_GROUP}); attempts on real accounts are bounded per account by the
 * failure throttle. (Whether an account exists is no secret: auth.register says so.)
 */
export function lineTicket(group: string, clientId: string): LineTicket {
  return { group, caps: [`client:${clientId}`] };
}

export function accountGroup(username: string): string {
  return `account:${username}`;
}

/** Counts one sign-in/sign-up attempt for the client id; refuses beyond the per-minute cap. */
export async function takeClientAttempt(auth: AuthContext, clientId: string): Promise<void> {
  const verdict = await auth.clientAttempts.take(clientId);
  if (verdict.allowed) return;
  await auth.sleep(auth.settings.refusalDelayMs);
  throw rateLimited('Too many attempts from this connection: wait and try again.', verdict.retryAfterMs);
}

/**
 * Checks a password under the failure throttle of `key`. The stored hash is loaded only when the
 * key is not locked; a missing user is checked against the dummy hash, so it takes as long as a
 * wrong password and counts as a failure for that username just the same.
 */
export async function verifyThrottled(
  auth: AuthContext,
  attempt: { key: string; username: string; clientId: string },
  password: string,
  loadHash: () => Promise<string | undefined>,
  log: Logger,
): Promise<boolean> {
  const { key } = attempt;
  const verdict = await auth.failures.begin(key);
  if (!verdict.allowed) {
    await auth.sleep(auth.settings.refusalDelayMs);
    throw rateLimited('Too many failed attempts for this account: wait and try again.', verdict.retryAfterMs);
  }
  let ok: boolean;
  try {
    const stored = await loadHash();
    const group = stored === undefined ? NO_ACCOUNT_GROUP : accountGroup(attempt.username);
    const matches = await auth.hashLine.run(lineTicket(group, attempt.clientId), () => auth.hasher.verify(stored ?? auth.dummyHash(), password));
    ok = matches && stored !== undefined;
  } catch (err) {
    await auth.failures.end(key, 'abandoned');
    throw err;
  }
  const lockMs = await auth.failures.end(key, ok ? 'success' : 'failure');
  if (lockMs > 0) log.warn({ throttle: key, lockMs }, 'locked after repeated failed attempts');
  return ok;
}

/** Prisma's unique-constraint violation (two sign-ups racing for one username). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}
