import { createArgon2Hasher as createAuthHasher, createAuthService, type AuthService } from '@tidings/auth';
import type { Connection } from '@tidings/client';
import type { ResultOf } from '@tidings/protocol';
import type { Logger } from '@tidings/service-kit';
import { vi } from 'vitest';
import { manualClock, movingDate, startServiceHarness, type Backend, type ManualClock, type ServiceFactory, type ServiceHarness } from '@tidings/testkit';
import { createArgon2Hasher, type SecretHasher } from '../src/hasher.js';
import { createSecurityQuestionsService, type SecurityQuestionsService, type SecurityQuestionsServiceDeps } from '../src/service.js';
import type { RecoverySettings } from '../src/settings.js';

export { closedByBroker, describeBackends, manualClock, type Backend, type ManualClock, type RawClient, type RawReply } from '@tidings/testkit';

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
/** Real argon2id with the cheapest parameters (both services), so the end-to-end tests stay fast. */
export const fastArgon2 = createArgon2Hasher(CHEAP);
const fastAuthArgon2 = createAuthHasher(CHEAP);

/** The recovery key of the test service. */
export const TEST_RECOVERY_KEY = 'test-recovery-key-0123456789abcdefghijklmnop';

/** A hasher that counts its calls, to assert how much work a request did (not how long it took). */
export interface CountingHasher extends SecretHasher {
  readonly calls: { hash: number; verify: number };
  /** The stored hashes verify() was called with, in order. */
  readonly verified: string[];
  reset(): void;
}

export function countingHasher(inner: SecretHasher = fastArgon2): CountingHasher {
  const calls = { hash: 0, verify: 0 };
  const verified: string[] = [];
  return {
    calls,
    verified,
    hash: (secret) => {
      calls.hash += 1;
      return inner.hash(secret);
    },
    verify: (stored, secret) => {
      calls.verify += 1;
      verified.push(stored);
      return inner.verify(stored, secret);
    },
    reset() {
      calls.hash = 0;
      calls.verify = 0;
      verified.length = 0;
    },
  };
}

export interface HarnessOptions {
  settings?: Partial<RecoverySettings>;
  /** Logger for both services and the broker (default: the stack's silent test logger). */
  logger?: Logger;
  /** Default: {@link fastArgon2}. */
  hasher?: SecretHasher;
  recoveryKey?: string;
  /** Where security-questions' limits count (default: its own memory). */
  limits?: SecurityQuestionsServiceDeps['limits'];
}

export type Login = ResultOf<'auth.login'>;

/** Both services under test (auth for sign-up and sign-in); guests, users and raw clients come from testkit's harness. */
export interface Harness extends Omit<
  ServiceHarness<{ auth: ServiceFactory<AuthService>; 'security-questions': ServiceFactory<SecurityQuestionsService> }>,
  'services'
> {
  auth: AuthService;
  service: SecurityQuestionsService;
  clock: ManualClock;
  /** Registers, signs in and sets a security question; returns the sign-in. */
  userWithQuestion(username: string, password: string, question: string, answer: string): Promise<Login>;
  /** One guest request on a fresh guest connection (a fresh client id, as a scripted guesser would). */
  asGuest<A extends 'recovery.question' | 'recovery.reset' | 'recovery.code' | 'auth.login'>(
    action: A,
    body: Parameters<Connection['request']>[1] & object,
  ): Promise<unknown>;
  /** Rows of every table this service writes, to show a refused request changed nothing. */
  snapshot(): Promise<unknown>;
}

/**
 * A real broker on port 0 with a temporary database (testkit), the real auth service (sign-up,
 * sign-in) and the security-questions service, each with its own service credentials, and one
 * manual clock for all three. Refused attempts are not delayed (sleep is a no-op).
 */
export async function startRecovery(backend: Backend, options: HarnessOptions = {}): Promise<Harness> {
  const clock = movingDate(manualClock());
  const h = await startServiceHarness({
    backend,
    stack: { ...(options.logger ? { logger: options.logger } : {}), broker: { now: clock.now } },
    services: {
      auth: (deps) => createAuthService({ ...deps, now: clock.now, sleep: async () => {}, hasher: fastAuthArgon2 }),
      'security-questions': (deps) =>
        createSecurityQuestionsService({
          ...deps,
          recoveryKey: options.recoveryKey ?? TEST_RECOVERY_KEY,
          now: clock.now,
          sleep: async () => {},
          hasher: options.hasher ?? fastArgon2,
          ...(options.settings ? { settings: options.settings } : {}),
          ...(options.limits ? { limits: options.limits } : {}),
        }),
    },
  });

  const harness: Harness = {
    ...h,
    async close() {
      await h.close();
      vi.useRealTimers();
    },
    auth: h.services.auth,
    service: h.services['security-questions'],
    clock,
    async userWithQuestion(username, password, question, answer) {
      await h.register(username, password);
      const login = await h.login(username, password, 'setup');
      const conn = await h.user(login, 'setup');
      await conn.request('security.set', { question, answer, currentPassword: password });
      await conn.close();
      return login;
    },
    async asGuest(action, body) {
      const g = await h.guest();
      try {
        return await g.request(action, body as never);
      } finally {
        await g.close();
      }
    },
    async snapshot() {
      const p = h.stack.db.prisma;
      const [users, sessions, questions, codes, events] = await Promise.all([
        p.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, passwordHash: true, updatedAt: true } }),
        p.session.findMany({ orderBy: { id: 'asc' }, select: { id: true, revokedAt: true } }),
        p.securityQuestion.findMany({ orderBy: { userId: 'asc' } }),
        p.recoveryCode.findMany({ orderBy: { id: 'asc' } }),
        p.accountEvent.count(),
      ]);
      return { users, sessions, questions, codes, events };
    },
  };
  return harness;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; retryAfter?: number }> {
  const outcome = await p.then(
    (value) => ({ resolved: value }),
    (err: unknown) => ({ rejected: err }),
  );
  if ('resolved' in outcome) throw new Error(`expected an error, got ${JSON.stringify(outcome.resolved)}`);
  return outcome.rejected as { code: string; message: string; retryAfter?: number };
}
