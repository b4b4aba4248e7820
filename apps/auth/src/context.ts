import type { Database } from '@tidings/db';
import { rateLimited, type AttemptLimiter, type Logger, type RevocationPublisher } from '@tidings/service-kit';
import type { PasswordHasher } from './hasher.js';
import type { AuthSettings } from './settings.js';
import type { FailureThrottle } from './throttle.js';

/** What every handler of the auth service works with; built once by createAuthService. */
export interface AuthContext {
  db: Database;
  hasher: PasswordHasher;
  settings: AuthSettings;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Keys `login:<username>` and `passwd:<username>` (separate, so a guest guessing at a
   * username cannot block its owner's password change). */
  failures: FailureThrottle;
  /** Key: the guest's client id. */
  clientAttempts: AttemptLimiter;
  /** A hash of a random password, made at start: unknown users are verified against it so
   * they cost the same time as a wrong password. */
  dummyHash: () => string;
  revocations: RevocationPublisher;
  logger: Logger;
}

/** Counts one sign-in/sign-up attempt for the client id; refuses beyond the per-minute cap. */
export async function takeClientAttempt(auth: AuthContext, clientId: string): Promise<void> {
  const verdict = auth.clientAttempts.take(clientId);
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
  key: string,
  password: string,
  loadHash: () => Promise<string | undefined>,
  log: Logger,
): Promise<boolean> {
  const verdict = auth.failures.begin(key);
  if (!verdict.allowed) {
    await auth.sleep(auth.settings.refusalDelayMs);
    throw rateLimited('Too many failed attempts for this account: wait and try again.', verdict.retryAfterMs);
  }
  let ok: boolean;
  try {
    const stored = await loadHash();
    const matches = await auth.hasher.verify(stored ?? auth.dummyHash(), password);
    ok = matches && stored !== undefined;
  } catch (err) {
    auth.failures.end(key, 'abandoned');
    throw err;
  }
  const lockMs = auth.failures.end(key, ok ? 'success' : 'failure');
  if (lockMs > 0) log.warn({ throttle: key, lockMs }, 'locked after repeated failed attempts');
  return ok;
}

/** Prisma's unique-constraint violation (two sign-ups racing for one username). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}
