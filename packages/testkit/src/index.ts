/**
 * Test helpers for Tidings services: a real broker on port 0 with a migrated temporary database
 * (stack), services running in-process on it (services, harness), signed-in users without the
 * auth service, data written straight into the database (seed), raw MQTT clients for what the
 * typed client would never send (raw), a service's main as its own process (process), and the
 * SQLite/PostgreSQL test matrix (backends), checks of JSON log lines that JSON.parse cannot make (log-lines), database failures on purpose (db-faults) and a stream
 * of sends through one (outage).
 */
export {
  captureLogger,
  connectServiceClient,
  createUserSession,
  postgresUrlOrSkip,
  startTestStack,
  testLogger,
  type TestSession,
  type TestStack,
  type TestStackOptions,
} from './stack.js';
export { describeBackends, type Backend } from './backends.js';
export { describeWithRedis, redisUrlOrSkip, sharedTestLimits } from './redis.js';
export { createTempPostgresDatabase, lockSqlite, type SqliteLock, type TempPostgresDatabase } from './db-faults.js';
export {
  readOnlyOutage,
  runSendsThroughOutage,
  sqliteLockOutage,
  type Outage,
  type SendsThroughOutageOptions,
  type SendsThroughOutageResult,
} from './outage.js';
export { manualClock, movingDate, type ManualClock } from './clock.js';
export { Seed } from './seed.js';
export { closedByBroker, connectRaw, rawClient, type RawClient, type RawReply } from './raw.js';
export {
  startServices,
  startTestService,
  type RunningServices,
  type ServiceFactories,
  type ServiceFactory,
  type ServicesOf,
  type TestService,
  type TestServiceDeps,
} from './services.js';
export {
  startServiceHarness,
  startSingleService,
  type RawUser,
  type ServiceHarness,
  type ServiceHarnessOptions,
  type SignedIn,
  type SingleServiceHarness,
} from './harness.js';
export {
  freePort,
  runServiceProcess,
  serviceHealth,
  startBrokerProcess,
  type BrokerProcess,
  stackEnv,
  waitForHealthy,
  waitUntil,
  type ServiceProcess,
  type ServiceProcessOptions,
} from './process.js';
export { malformedEnvelopes, malformedText, LONE_SURROGATE, NUL, type BadPayload } from './bad-input.js';
export { describeServiceMain, type ServiceMainSpec } from './service-main.js';
export { checkJsonLine, logLineProblems, type JsonLineCheck, type LogLineProblem } from './log-lines.js';
export { gatedHasher, type GatedHasher, type HeldCall, type Hasher } from './gated-hasher.js';
export { haproxyTestConfig, type HaproxyBroker, type HaproxyDoor } from './haproxy.js';
