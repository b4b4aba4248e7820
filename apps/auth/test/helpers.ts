import type { Connection } from '@tidings/client';
import type { Logger } from '@tidings/service-kit';
import { manualClock, movingDate, startServiceHarness, type Backend, type ManualClock, type ServiceFactory, type ServiceHarness } from '@tidings/testkit';
import { vi } from 'vitest';
import { createArgon2Hasher } from '../src/hasher.js';
import { createAuthService, type AuthService, type AuthServiceDeps } from '../src/service.js';
import type { AuthSettings } from '../src/settings.js';

export { closedByBroker, describeBackends, manualClock, type Backend, type ManualClock, type RawClient } from '@tidings/testkit';

/**
 * Real argon2id with the cheapest parameters, so the end-to-end tests (hundreds of hashes and
 * verifications) stay fast. The production parameters are covered by hasher.test.ts and by the
 * tests that pass `hasher: createArgon2Hasher()`.
 */
export const fastArgon2 = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

export interface AuthHarnessOptions {
  settings?: Partial<AuthSettings>;
  /** Logger for the service and the broker (default: the stack's silent test logger). */
  logger?: Logger;
  /** Default: {@link fastArgon2}. */
  hasher?: AuthServiceDeps['hasher'];
  /** How often the broker drops connections of expired sessions (default: the broker's). */
  sessionSweepMs?: number;
  /** Where the attempt limits count (default: the service's own memory). */
  limits?: AuthServiceDeps['limits'];
}

/** The auth service under test; guests, users and raw clients come from testkit's harness. */
export interface AuthHarness extends Omit<ServiceHarness<{ auth: ServiceFactory<AuthService> }>, 'services'> {
  service: AuthService;
  clock: ManualClock;
  counts(): Promise<{ users: number; sessions: number; revoked: number }>;
}

/**
 * A real broker on port 0 with a temporary database (testkit), the auth service connected
 * with its real service credentials, and a manual clock shared by both. Refused attempts
 * are not delayed (sleep is a no-op) so tests never wait on the throttle.
 */
export async function startAuth(backend: Backend, options: AuthHarnessOptions = {}): Promise<AuthHarness> {
  const clock = movingDate(manualClock());
  const h = await startServiceHarness({
    backend,
    stack: {
      ...(options.logger ? { logger: options.logger } : {}),
      broker: {
        now: clock.now,
        ...(options.sessionSweepMs === undefined ? {} : { limits: { sessionSweepMs: options.sessionSweepMs } }),
      },
    },
    services: {
      auth: (deps) =>
        createAuthService({
          ...deps,
          now: clock.now,
          sleep: async () => {},
          hasher: options.hasher ?? fastArgon2,
          ...(options.limits ? { limits: options.limits } : {}),
          ...(options.settings ? { settings: options.settings } : {}),
        }),
    },
  });
  return {
    ...h,
    async close() {
      await h.close();
      vi.useRealTimers();
    },
    service: h.services.auth,
    clock,
    async counts() {
      const prisma = h.stack.db.prisma;
      const [users, sessions, revoked] = await Promise.all([
        prisma.user.count(),
        prisma.session.count(),
        prisma.session.count({ where: { revokedAt: { not: null } } }),
      ]);
      return { users, sessions, revoked };
    },
  };
}

/** Whether the connection is still served: a request on it gets an answer. */
export async function stillServed(conn: Connection): Promise<boolean> {
  if (!conn.client.connected) return false;
  try {
    await conn.request('auth.whoami', {}, { timeoutMs: 15_000 });
    return true;
  } catch {
    return false;
  }
}
