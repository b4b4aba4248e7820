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
import { createPresence } from './service.js';

const PresenceEnv = ServiceEnv.extend({
  /** After (re)connecting, how long the retained device states have to arrive before stale users are set offline. */
  TIDINGS_PRESENCE_SETTLE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
});

let env: z.output<typeof PresenceEnv>;
try {
  env = loadConfig(PresenceEnv);
} catch (err) {
  process.stderr.write(`presence: ${(err as Error).message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: 'presence', level: env.TIDINGS_LOG_LEVEL });

runMain(logger, async () => {
  const secret = env.TIDINGS_SERVICE_SECRET ?? loadOrCreateServiceCredentials(env.TIDINGS_DATA_DIR).presence;
  if (!secret) throw new Error('no service secret for presence (set TIDINGS_SERVICE_SECRET)');
  const dbUrl = env.DATABASE_URL ?? defaultDatabaseUrl(env.TIDINGS_DATA_DIR);
  const db = await openDatabase(dbUrl);
  logger.info({ db: redactUrl(dbUrl), provider: db.provider }, 'database open');
  let client;
  try {
    client = await connectService({ url: mqttUrlOf(env), service: 'presence', secret, logger });
  } catch (err) {
    await db.close();
    throw err;
  }
  const service = createPresence({ client, db, logger, settings: { settleMs: env.TIDINGS_PRESENCE_SETTLE_MS } });
  await service.start();
  const mqtt = client;
  return {
    async stop() {
      await service.stop(); // stop taking typing and device updates, write pending presence rows
      await disconnectService(mqtt, 'presence'); // retained "down", then close MQTT
      await db.close();
    },
  };
});
