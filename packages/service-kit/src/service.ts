import { acquireLeadership, defaultDatabaseUrl, openDatabase, providerOf, redactUrl, type Database, type Leadership } from '@tidings/db';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ServiceEnv, loadConfigOrExit, mqttUrlOf } from './config.js';
import { CONFIG_EXIT_CODE } from './settings.js';
import { loadOrCreateServiceCredentials, type ServiceName } from './credentials.js';
import { createLogger } from './logger.js';
import { connectService, disconnectService } from './mqtt.js';
import { createLimits, type Limits } from './limits.js';
import { labelProcess, startOpsServer, type OpsServer } from './metrics.js';
import { runMain } from './run.js';

/** What every service factory receives from its process. */
export interface ServiceDeps<E> {
  client: MqttClient;
  db: Database;
  logger: Logger;
  env: E;
  /** Where the attempt limits count: Redis when the service's schema has LimitsEnv and
   * TIDINGS_REDIS_URL is set, else memory. The runner closes it after the service stops. */
  limits: Limits;
}

/** A service as its factory returns it. */
export interface RunnableService {
  start(): Promise<void>;
  /** Stop taking work and finish what is in flight (the runner closes MQTT and the database after). */
  stop(): Promise<void>;
}

export interface ServiceMain<S extends typeof ServiceEnv> {
  name: ServiceName;
  /** The environment schema: ServiceEnv, or ServiceEnv.extend({...}) for the service's own settings. */
  env?: S;
  create(deps: ServiceDeps<z.output<S>>): RunnableService | Promise<RunnableService>;
}

/**
 * What a service process does when its broker connection keeps failing (mqtt.ts BrokerHealth):
 * exits at once with status 1, so that its supervisor (scripts/stack.mjs, systemd) starts it
 * afresh — a new process has nothing queued to send again. Not a graceful stop: that would wait on
 * the broker connection that is failing; the broker publishes the service's last will (`down`),
 * and clients send their requests in flight again, same id, to the new process.
 */
export function exitUnhealthy(logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): (why: string) => void {
  return (why) => {
    logger.fatal({ why }, 'unhealthy: exiting for the supervisor to restart this service');
    exit(1);
  };
}

/**
 * The `main` of every service process: reads and validates the environment once (a bad value
 * stops the process with one line naming the variable and what it accepts, exit code 2), makes the root logger, finds the
 * service secret, opens the database, connects to the broker, builds the service with its
 * factory and starts it. On SIGINT/SIGTERM it stops in a fixed order: the service (stop taking
 * work, finish in-flight work), then MQTT (retained `down`), then the database.
 */
export function runService<S extends typeof ServiceEnv>(main: ServiceMain<S>): void {
  const { name } = main;
  const env: z.output<S> = loadConfigOrExit(name, main.env ?? (ServiceEnv as S));
  const logger = createLogger({ name, level: env.TIDINGS_LOG_LEVEL });
  if (env.TIDINGS_STANDBY && providerOf(env.DATABASE_URL ?? defaultDatabaseUrl(env.TIDINGS_DATA_DIR)) !== 'postgresql') {
    // A setting no restart can fix: one line and exit code 2, as for any bad setting.
    process.stderr.write(`${name}: TIDINGS_STANDBY=on needs a PostgreSQL DATABASE_URL (the leader holds a PostgreSQL advisory lock)\n`);
    process.exit(CONFIG_EXIT_CODE);
  }

  runMain(logger, async (stopping) => {
    const secret = env.TIDINGS_SERVICE_SECRET ?? loadOrCreateServiceCredentials(env.TIDINGS_DATA_DIR)[name];
    if (!secret) throw new Error(`no service secret for ${name} (set TIDINGS_SERVICE_SECRET)`);
    const dbUrl = env.DATABASE_URL ?? defaultDatabaseUrl(env.TIDINGS_DATA_DIR);
    const db = await openDatabase(dbUrl);
    logger.info({ db: redactUrl(dbUrl), provider: db.provider }, 'database open');
    let client: MqttClient | undefined;
    let ops: OpsServer | undefined;
    let leadership: Leadership | null = null;
    let role: 'standby' | 'leader' = env.TIDINGS_STANDBY ? 'standby' : 'leader';
    let limits: Limits | undefined;
    try {
      labelProcess(name);
      if (env.TIDINGS_OPS_PORT !== undefined) {
        // A standby is healthy while it waits; a leader while its broker connection is up.
        const health = () =>
          role === 'standby' ? { ok: true, detail: { service: name, role } } : { ok: client?.connected === true, detail: { service: name } };
        ops = await startOpsServer({ host: env.TIDINGS_OPS_HOST, port: env.TIDINGS_OPS_PORT, logger, health });
      }
      if (env.TIDINGS_STANDBY) {
        const since = performance.now();
        logger.info('standby: waiting to lead (another instance holds the lock)');
        leadership = await acquireLeadership(dbUrl, name, {
          signal: stopping,
          onWait: (why) => why instanceof Error && logger.warn({ err: why }, 'standby: the database did not answer; trying again'),
        });
        if (!leadership) return { stop: async () => (await ops?.close(), await db.close()) }; // stopped while waiting
        role = 'leader';
        logger.info({ waitedMs: Math.round(performance.now() - since) }, 'leading: starting to serve');
        void leadership.lost.then((err) => {
          // A standby may lead already: serving on would answer requests twice.
          logger.fatal({ err }, 'lost the leadership lock: exiting for the supervisor to restart this instance as a standby');
          process.exit(1);
        });
      }
      const reconnect = { baseMs: env.TIDINGS_RECONNECT_BASE_MS, maxMs: Math.max(env.TIDINGS_RECONNECT_BASE_MS, env.TIDINGS_RECONNECT_MAX_MS) };
      const health = { maxDrops: env.TIDINGS_BROKER_DROPS_MAX, windowMs: env.TIDINGS_BROKER_DROPS_WINDOW_MS, stableMs: env.TIDINGS_BROKER_STABLE_MS };
      client = await connectService({ url: mqttUrlOf(env), service: name, secret, logger, reconnect, health, onUnhealthy: exitUnhealthy(logger) });
      const mqtt = client;
      const limitsEnv = env as Partial<Record<'TIDINGS_REDIS_URL' | 'TIDINGS_REDIS_PREFIX', string>>;
      limits = createLimits({ redisUrl: limitsEnv.TIDINGS_REDIS_URL, prefix: limitsEnv.TIDINGS_REDIS_PREFIX, logger: logger.child({ component: 'limits' }) });
      const service = await main.create({ client, db, logger, env, limits });
      await service.start();
      const opsServer = ops;
      const serviceLimits = limits;
      const held = leadership;
      return {
        async stop() {
          await opsServer?.close();
          await service.stop();
          await serviceLimits.close();
          await disconnectService(mqtt, name);
          await held?.release(); // after the last answer: the next leader starts from what is stored
          await db.close();
        },
      };
    } catch (err) {
      await ops?.close();
      await limits?.close();
      if (client) await disconnectService(client, name).catch(() => {});
      await leadership?.release();
      await db.close();
      throw err;
    }
  });
}
