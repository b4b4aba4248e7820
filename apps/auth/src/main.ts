import { defaultDatabaseUrl, openDatabase, redactUrl } from '@tidings/db';
import {
  ServiceEnv,
  connectService,
  createLogger,
  disconnectService,
  loadConfig,
  loadOrCreateServiceCredentials,
  mqttUrlOf,
  runMain,
} from '@tidings/service-kit';
import { z } from 'zod';
import { createAuthService } from './service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const AuthEnv = ServiceEnv.extend({
  /** How long a sign-in lasts (default 30 days). */
  TIDINGS_SESSION_TTL_DAYS: z.coerce.number().positive().max(366).default(30),
});

let env: z.output<typeof AuthEnv>;
try {
  env = loadConfig(AuthEnv);
} catch (err) {
  process.stderr.write(`auth: ${(err as Error).message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: 'auth', level: env.TIDINGS_LOG_LEVEL });

runMain(logger, async () => {
  const secret = env.TIDINGS_SERVICE_SECRET ?? loadOrCreateServiceCredentials(env.TIDINGS_DATA_DIR).auth;
  if (!secret) throw new Error('no service secret for auth (set TIDINGS_SERVICE_SECRET)');
  const dbUrl = env.DATABASE_URL ?? defaultDatabaseUrl(env.TIDINGS_DATA_DIR);
  const db = await openDatabase(dbUrl);
  logger.info({ db: redactUrl(dbUrl), provider: db.provider }, 'database open');
  let client;
  try {
    client = await connectService({ url: mqttUrlOf(env), service: 'auth', secret, logger });
  } catch (err) {
    await db.close();
    throw err;
  }
  const service = createAuthService({
    client,
    db,
    logger,
    settings: { sessionTtlMs: Math.round(env.TIDINGS_SESSION_TTL_DAYS * DAY_MS) },
  });
  await service.start();
  const mqtt = client;
  return {
    async stop() {
      await service.stop(); // stop taking requests, finish those in flight, send pending revocations
      await disconnectService(mqtt, 'auth'); // retained "down", then close MQTT
      await db.close();
    },
  };
});
