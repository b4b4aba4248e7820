export { ConfigError, loadConfig, loadConfigOrExit, ServiceEnv, HashLineEnv, hashLineSettings, LimitsEnv, mqttUrlOf } from './config.js';
export {
  CONFIG_EXIT_CODE,
  envSchema,
  SETTINGS,
  settingsProblem,
  settingsReadBy,
  settingsTable,
  type Reader,
  type Setting,
  type SettingName,
} from './settings.js';
export { componentLogger, createLogger, dropLogOutput, REDACT_PATHS, SECRET_FIELDS, type Logger, type LoggerSettings } from './logger.js';
export { SERVICES, CREDENTIALS_FILE, serviceUsername, loadOrCreateServiceCredentials, type ServiceCredentials, type ServiceName } from './credentials.js';
export {
  BROKER_HEALTH,
  ConnectionDrops,
  connectService,
  disconnectService,
  markServiceReady,
  mqttDebugLog,
  SERVICE_RECONNECT,
  type BrokerHealth,
  type ServiceConnectionOptions,
} from './mqtt.js';
export {
  callerUsername,
  createRpcServer,
  rateLimited,
  readableId,
  OVERSIZE_ID_PARSE_MAX_BYTES,
  unavailableFor,
  TRANSIENT_RETRY_AFTER_S,
  type Caller,
  type Handler,
  type Handlers,
  type HandlerContext,
  type RpcServer,
  type RpcServerOptions,
} from './rpc.js';
export { oversizePacket, publishBounded, type BoundedPublishOptions } from './publish.js';
export { ReplyCache, type ReplyCacheOptions } from './reply-cache.js';
export { runMain, type Stoppable } from './run.js';
export { issueToken, hashSecret, parseToken, secretMatches, safeEqual, type IssuedToken } from './tokens.js';
export { exitUnhealthy, runService, type RunnableService, type ServiceDeps, type ServiceMain } from './service.js';
export { createRevocationPublisher, type RevocationPublisher } from './revocations.js';
export {
  createLimits,
  memoryKeys,
  DEFAULT_MAX_KEYS,
  DEFAULT_REDIS_PREFIX,
  type Count,
  type Counter,
  type CounterOptions,
  type Limits,
  type LimitsOptions,
  type Verdict,
} from './limits.js';
export { FailureLimit, IN_FLIGHT_RETRY_MS, type FailureLimitOptions, type Outcome } from './failure-limit.js';
export { accountEvent, eventId } from './account-events.js';
export { FairQueue, DEFAULT_LINE_MESSAGE, type FairQueueOptions, type FairQueueStats, type LineRefusal, type LineTicket } from './fair-queue.js';
export {
  answerOps,
  counter,
  gaugeSource,
  labelProcess,
  metricsText,
  requestMetrics,
  startOpsServer,
  type OpsServer,
  type OpsServerOptions,
} from './metrics.js';
