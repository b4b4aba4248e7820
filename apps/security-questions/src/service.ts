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
import type { RecoveryContext } from './context.js';
import { createLaterEvents } from './events.js';
import { recoveryHandlers } from './handlers/index.js';
import { createArgon2Hasher, type SecretHasher } from './hasher.js';
import { deriveKeys } from './keys.js';
import { resolveSettings, type RecoverySettings } from './settings.js';

export interface SecurityQuestionsServiceDeps {
  /** A connected service client (connectService as `security-questions`). */
  client: MqttClient;
  db: Database;
  logger: Logger;
  /** The recovery key (≥ 32 characters): decoy questions and code hashes derive from it. */
  recoveryKey: string | Buffer;
  /** The clock (ms since the epoch) for limits and timestamps; tests move it. */
  now?: () => number;
  /** Where the attempt limits count (service-kit's createLimits): in Redis, shared by every
   * instance, or in memory (the default). Whoever made it closes it. */
  limits?: Limits;
  /** How a refused attempt waits before its answer; tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
  hasher?: SecretHasher;
  settings?: Partial<RecoverySettings>;
}

export interface SecurityQuestionsService {
  /** Prepares the dummy hash and starts answering recovery.* and security.* requests. */
  start(): Promise<void>;
  /** Stops taking requests, finishes those in flight, sends pending revocations and events.
   * Leaves the MQTT client and the database open: whoever made them closes them. */
  stop(): Promise<void>;
  /** Waits for the account events recorded after an answer (failed attempts) to be written. */
  flushEvents(): Promise<void>;
  readonly settings: RecoverySettings;
  /** The line of hashes now: running, waiting, started and refused so far. */
  hashLine(): FairQueueStats;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The security-questions service: security question, recovery codes and password reset over MQTT. */
export function createSecurityQuestionsService(deps: SecurityQuestionsServiceDeps): SecurityQuestionsService {
  const settings = resolveSettings(deps.settings);
  if (deps.recoveryKey.length < 32) throw new RangeError('the recovery key must have at least 32 characters (bytes)');
  const now = deps.now ?? Date.now;
  const logger = componentLogger(deps.logger, 'security-questions');
  const limits = deps.limits ?? createLimits({ maxKeys: settings.maxTrackedKeys, logger });
  let dummyHash: string | undefined;
  const rc: RecoveryContext = {
    db: deps.db,
    hasher: deps.hasher ?? createArgon2Hasher(),
    keys: deriveKeys(deps.recoveryKey),
    settings,
    now,
    sleep: deps.sleep ?? realSleep,
    recoveryFailures: new FailureLimit(limits, { name: 'recovery:answer', maxFailures: settings.recoveryFailures, windowMs: settings.recoveryWindowMs }),
    passwordFailures: new FailureLimit(limits, { name: 'recovery:password', maxFailures: settings.passwordFailures, windowMs: settings.passwordWindowMs }),
    clientAttempts: limits.counter({ name: 'recovery:client', points: settings.clientRecoveryAttempts, durationMs: settings.recoveryWindowMs }),
    questionLookups: limits.counter({ name: 'recovery:questions', points: settings.questionsPerClientPerMinute, durationMs: 60_000 }),
    dummyHash: () => {
      if (dummyHash === undefined) throw new Error('the security-questions service was not started');
      return dummyHash;
    },
    revocations: createRevocationPublisher(deps.client, logger),
    events: createLaterEvents(deps.db, logger),
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
    hashLine: () => rc.hashLine.stats,
    async start() {
      if (rpc) throw new Error('the security-questions service is already started');
      dummyHash = await rc.hasher.hash(randomBytes(24).toString('base64url'));
      rpc = createRpcServer({ client: deps.client, logger: deps.logger, handlers: recoveryHandlers(rc) });
      await rpc.start();
    },
    async stop() {
      const server = rpc;
      rpc = undefined;
      if (server) await server.close();
      await Promise.all([rc.revocations.flush(), rc.events.flush()]);
    },
    flushEvents: () => rc.events.flush(),
  };
}
