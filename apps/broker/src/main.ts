#!/usr/bin/env node
// The broker process: config from the environment, service credentials from the data directory,
// the database (migrated beforehand by `pnpm migrate` or the launcher), then startBroker.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultDatabaseUrl, openDatabase, redactUrl, type Database } from '@tidings/db';
import { LogLevel, createLogger, loadConfig, loadOrCreateServiceCredentials, port, runMain } from '@tidings/service-kit';
import { z } from 'zod';
import { startBroker } from './broker.js';

const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['1', 'true', 'on', 'yes'].includes(v)));

const BrokerEnv = z
  .object({
    TIDINGS_HOST: z.string().min(1).default('0.0.0.0'),
    TIDINGS_MQTT_PORT: port(1883),
    TIDINGS_HTTP_PORT: port(8080),
    TIDINGS_MQTTS_PORT: port(8883),
    /** PEM files; both or neither. With them: MQTT over TLS on TIDINGS_MQTTS_PORT and HTTPS/WSS on TIDINGS_HTTP_PORT. */
    TIDINGS_TLS_CERT: z.string().min(1).optional(),
    TIDINGS_TLS_KEY: z.string().min(1).optional(),
    TIDINGS_DATA_DIR: z
      .string()
      .default('./data')
      .transform((p) => path.resolve(p)),
    DATABASE_URL: z.string().optional(),
    TIDINGS_LOG_LEVEL: LogLevel,
    /** off = an open broker without authentication or ACL, for raw benchmarks only. */
    TIDINGS_BROKER_AUTH: flag(true),
    /** The web app to serve over HTTP (default apps/web/dist when it has been built). */
    TIDINGS_STATIC_DIR: z.string().min(1).optional(),
    /** Connection attempts per remote address per minute (0 = no cap). */
    TIDINGS_MAX_CONNECTS_PER_MINUTE: z.coerce.number().int().min(0).optional(),
    /** Trust X-Forwarded-For on WebSocket upgrades: only behind a reverse proxy you run. */
    TIDINGS_TRUST_PROXY: flag(false),
    /** Distinct device ids (client ids) one session token may connect as (default 16). */
    TIDINGS_MAX_DEVICES_PER_SESSION: z.coerce.number().int().min(1).optional(),
    /** Messages kept for one persistent session, oldest dropped first (default 1000). */
    TIDINGS_MAX_QUEUED_MESSAGES: z.coerce.number().int().min(1).optional(),
    /** Payload bytes kept for one persistent session, oldest dropped first (default 262144). */
    TIDINGS_MAX_QUEUED_BYTES: z.coerce.number().int().min(1024).optional(),
  })
  .refine((env) => (env.TIDINGS_TLS_CERT === undefined) === (env.TIDINGS_TLS_KEY === undefined), {
    message: 'set both TIDINGS_TLS_CERT and TIDINGS_TLS_KEY, or neither',
    path: ['TIDINGS_TLS_CERT'],
  });

/** The per-session bounds set in the environment (docs/protocol.md, "Wills, devices and queues"). */
function sessionLimits(e: z.output<typeof BrokerEnv>) {
  return {
    ...(e.TIDINGS_MAX_DEVICES_PER_SESSION === undefined ? {} : { maxDevicesPerSession: e.TIDINGS_MAX_DEVICES_PER_SESSION }),
    ...(e.TIDINGS_MAX_QUEUED_MESSAGES === undefined ? {} : { maxQueuedMessages: e.TIDINGS_MAX_QUEUED_MESSAGES }),
    ...(e.TIDINGS_MAX_QUEUED_BYTES === undefined ? {} : { maxQueuedBytes: e.TIDINGS_MAX_QUEUED_BYTES }),
  };
}

let env: z.output<typeof BrokerEnv>;
try {
  env = loadConfig(BrokerEnv);
} catch (err) {
  process.stderr.write(`broker: ${(err as Error).message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: 'broker', level: env.TIDINGS_LOG_LEVEL });

function readPem(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${variable} (${file}): ${(err as Error).message}`, { cause: err });
  }
}

/** Fails with a clear message when the database has not been migrated. */
async function checkTables(db: Database, url: string): Promise<void> {
  try {
    await db.prisma.session.findFirst({ select: { id: true } });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'P2021' || /no such table|does not exist/i.test(e.message ?? ''))
      throw new Error(`the database ${redactUrl(url)} has no Tidings tables: run \`pnpm migrate\` first`, { cause: err });
    throw err;
  }
}

runMain(logger, async () => {
  const credentials = loadOrCreateServiceCredentials(env.TIDINGS_DATA_DIR);
  let db: Database | undefined;
  if (env.TIDINGS_BROKER_AUTH) {
    const url = env.DATABASE_URL ?? defaultDatabaseUrl(env.TIDINGS_DATA_DIR);
    db = await openDatabase(url);
    try {
      await checkTables(db, url);
    } catch (err) {
      await db.close();
      throw err;
    }
    logger.info({ db: redactUrl(url), provider: db.provider }, 'database open');
  } else {
    logger.warn('TIDINGS_BROKER_AUTH is off: anyone may connect, publish and subscribe to anything (benchmarks only)');
  }

  const builtWeb = path.resolve(import.meta.dirname, '../../web/dist');
  const staticDir = env.TIDINGS_STATIC_DIR ?? (existsSync(path.join(builtWeb, 'index.html')) ? builtWeb : undefined);
  const tls =
    env.TIDINGS_TLS_CERT && env.TIDINGS_TLS_KEY
      ? {
          cert: readPem(env.TIDINGS_TLS_CERT, 'TIDINGS_TLS_CERT'),
          key: readPem(env.TIDINGS_TLS_KEY, 'TIDINGS_TLS_KEY'),
          mqttsPort: env.TIDINGS_MQTTS_PORT,
        }
      : undefined;

  let broker;
  try {
    broker = await startBroker({
      logger,
      db,
      serviceCredentials: credentials,
      host: env.TIDINGS_HOST,
      mqttPort: env.TIDINGS_MQTT_PORT,
      httpPort: env.TIDINGS_HTTP_PORT,
      tls,
      auth: env.TIDINGS_BROKER_AUTH,
      staticDir,
      trustProxy: env.TIDINGS_TRUST_PROXY,
      limits: {
        ...(env.TIDINGS_MAX_CONNECTS_PER_MINUTE === undefined ? {} : { connectionAttemptsPerMinute: env.TIDINGS_MAX_CONNECTS_PER_MINUTE }),
        ...sessionLimits(env),
      },
    });
  } catch (err) {
    await db?.close();
    throw err;
  }

  const shown = env.TIDINGS_HOST === '0.0.0.0' || env.TIDINGS_HOST === '::' ? 'localhost' : env.TIDINGS_HOST;
  const where: Record<string, string> = {
    mqtt: `mqtt://${shown}:${broker.mqttPort}`,
    websocket: `${tls ? 'wss' : 'ws'}://${shown}:${broker.httpPort}/mqtt`,
    health: `${tls ? 'https' : 'http'}://${shown}:${broker.httpPort}/healthz`,
  };
  if (broker.mqttsPort !== undefined) where.mqtts = `mqtts://${shown}:${broker.mqttsPort}`;
  if (staticDir) where.web = `${tls ? 'https' : 'http'}://${shown}:${broker.httpPort}/`;
  logger.info(where, `connect at ${Object.values(where).join('  ')}`);

  const running = broker;
  return {
    async stop() {
      await running.close(); // stop accepting, disconnect clients (their wills fire), close listeners
      await db?.close();
    },
  };
});
