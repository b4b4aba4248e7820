#!/usr/bin/env node
// The broker process: config from the environment, service credentials from the data directory,
// the database (migrated beforehand by `pnpm migrate` or the launcher), then startBroker.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultDatabaseUrl, openDatabase, redactUrl, type Database } from '@tidings/db';
import {
  createLogger,
  envSchema,
  gaugeSource,
  labelProcess,
  loadConfigOrExit,
  loadOrCreateServiceCredentials,
  runMain,
  startOpsServer,
} from '@tidings/service-kit';
import { z } from 'zod';
import { startBroker } from './broker.js';

/** The broker's settings (packages/service-kit/src/settings.ts says what each accepts and means). */
const BrokerEnv = envSchema(
  'TIDINGS_HOST',
  'TIDINGS_MQTT_PORT',
  'TIDINGS_HTTP_PORT',
  'TIDINGS_MQTTS_PORT',
  'TIDINGS_TLS_CERT',
  'TIDINGS_TLS_KEY',
  'TIDINGS_DATA_DIR',
  'DATABASE_URL',
  'TIDINGS_LOG_LEVEL',
  'TIDINGS_BROKER_AUTH',
  'TIDINGS_STATIC_DIR',
  'TIDINGS_MAX_CONNECTS_PER_MINUTE',
  'TIDINGS_TRUST_PROXY',
  'TIDINGS_PROXY_PROTOCOL',
  'TIDINGS_MAX_DEVICES_PER_SESSION',
  'TIDINGS_MAX_QUEUED_MESSAGES',
  'TIDINGS_MAX_QUEUED_BYTES',
  'TIDINGS_OPS_PORT',
  'TIDINGS_OPS_HOST',
  'TIDINGS_REDIS_URL',
  'TIDINGS_REDIS_PREFIX',
).refine((env) => (env.TIDINGS_TLS_CERT === undefined) === (env.TIDINGS_TLS_KEY === undefined), {
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

const env = loadConfigOrExit('broker', BrokerEnv);

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
      proxyProtocol: env.TIDINGS_PROXY_PROTOCOL,
      redis: env.TIDINGS_REDIS_URL === undefined ? undefined : { url: env.TIDINGS_REDIS_URL, prefix: env.TIDINGS_REDIS_PREFIX },
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

  // Prometheus metrics on a port of their own (not the public HTTP port, which serves the web app).
  labelProcess('broker');
  const running = broker;
  const unwatch = [
    gaugeSource('tidings_broker_connections', 'Clients connected to this broker', () => running.connectedClients()),
    gaugeSource('tidings_broker_retained_messages', 'Retained messages the broker holds (presence, health)', () => running.retainedCount()),
  ];
  let ops;
  try {
    ops =
      env.TIDINGS_OPS_PORT === undefined
        ? undefined
        : await startOpsServer({ host: env.TIDINGS_OPS_HOST, port: env.TIDINGS_OPS_PORT, logger, health: () => ({ ok: true }) });
  } catch (err) {
    await running.close();
    await db?.close();
    throw err;
  }
  const opsServer = ops;
  return {
    async stop() {
      await opsServer?.close();
      for (const u of unwatch) u();
      await running.close(); // stop accepting, disconnect clients (their wills fire), close listeners
      await db?.close();
    },
  };
});
