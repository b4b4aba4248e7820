import { randomBytes } from 'node:crypto';
import type { Database } from '@tidings/db';
import {
  FailureLimit,
  FairQueue,
  createLimits,
  createRevocationPublisher,
  componentLogger,
  createRpcServer,
  type FairQueueStats,
  type Limits,
  type Logger,
  type RpcServer,
} from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import type { AuthContext } from './context.js';
import { authHandlers } from './handlers/index.js';
import { createArgon2Hasher, type PasswordHasher } from './hasher.js';
import { resolveSettings, type AuthSettings } from './settings.js';

export interface AuthServiceDeps {
  /** A connected service client (connectService): its identity lets it read every request topic. */
  client: MqttClient;
  db: Database;
  logger: Logger;
  /** The clock (ms since the epoch) for session expiry and throttling; tests move it. */
  now?: () => number;
  /** Where the attempt limits count (service-kit's createLimits): in Redis, shared by every auth
   * instance, or in memory (the default, this instance's own). Whoever made it closes it. */
  limits?: Limits;
  /** How a refused attempt waits before its answer; tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
  hasher?: PasswordHasher;
  settings?: Partial<AuthSettings>;
}

export interface AuthService {
  /** Prepares the dummy hash and starts answering auth.* requests. */
  start(): Promise<void>;
  /** Stops taking requests, finishes those in flight and sends pending revocations. Leaves the
   * MQTT client and the database open: whoever made them closes them. */
  stop(): Promise<void>;
  readonly settings: AuthSettings;
  /** The line of password hashes now: running, waiting, started and refused so far. */
  hashLine(): FairQueueStats;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The auth service: register, login, logout, change password, whoami over MQTT request/reply. */
export function createAuthService(deps: AuthServiceDeps): AuthService {
  const settings = resolveSettings(deps.settings);
  const now = deps.now ?? Date.now;
  const logger = componentLogger(deps.logger, 'auth');
  const limits = deps.limits ?? createLimits({ maxKeys: settings.maxTrackedKeys, logger });
  let dummyHash: string | undefined;
  const auth: AuthContext = {
    db: deps.db,
    hasher: deps.hasher ?? createArgon2Hasher(),
    settings,
    now,
    sleep: deps.sleep ?? realSleep,
    failures: new FailureLimit(limits, {
      name: 'auth:password',
      maxFailures: settings.maxFailures,
      windowMs: settings.failureWindowMs,
      lock: { baseMs: settings.baseLockMs, maxMs: settings.maxLockMs },
    }),
    clientAttempts: limits.counter({ name: 'auth:client', points: settings.clientAttemptsPerMinute, durationMs: 60_000 }),
    dummyHash: () => {
      if (dummyHash === undefined) throw new Error('the auth service was not started');
      return dummyHash;
    },
    revocations: createRevocationPublisher(deps.client, logger),
    hashLine: new FairQueue({
      concurrency: settings.hashConcurrency,
      maxWaiting: settings.hashQueue,
      maxPerKey: settings.hashPerClient,
      deadlineMs: settings.hashDeadlineMs,
    }),
    logger,
  };
  let rpc: RpcServer | undefined;

  return {
    settings,
    hashLine: () => auth.hashLine.stats,
    async start() {
      if (rpc) throw new Error('the auth service is already started');
      dummyHash = await auth.hasher.hash(randomBytes(24).toString('base64url'));
      rpc = createRpcServer({ client: deps.client, logger: deps.logger, handlers: authHandlers(auth) });
      await rpc.start();
    },
    async stop() {
      const server = rpc;
      rpc = undefined;
      if (server) await server.close();
      await auth.revocations.flush();
    },
  };
}
