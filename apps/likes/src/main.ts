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
import type { z } from 'zod';
import { createLikes } from './service.js';

const SERVICE = 'likes';

let env: z.output<typeof ServiceEnv>;
try {
  env = loadConfig(ServiceEnv);
} catch (err) {
  process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: SERVICE, level: env.TIDINGS_LOG_LEVEL });

runMain(logger, async () => {
  const secret = env.TIDINGS_SERVICE_SECRET ?? loadOrCreateServiceCredentials(env.TIDINGS_DATA_DIR)[SERVICE];
  if (!secret) throw new Error(`no service secret for ${SERVICE} (set TIDINGS_SERVICE_SECRET)`);
  const dbUrl = env.DATABASE_URL ?? defaultDatabaseUrl(env.TIDINGS_DATA_DIR);
  const db = await openDatabase(dbUrl);
  logger.info({ db: redactUrl(dbUrl), provider: db.provider }, 'database open');
  let client;
  try {
    client = await connectService({ url: mqttUrlOf(env), service: SERVICE, secret, logger });
  } catch (err) {
    await db.close();
    throw err;
  }
  const service = createLikes({ client, db, logger });
  await service.start();
  const mqtt = client;
  return {
    async stop() {
      await service.stop(); // stop taking requests, finish those in flight
      await disconnectService(mqtt, SERVICE); // retained "down", then close MQTT
      await db.close();
    },
  };
});
