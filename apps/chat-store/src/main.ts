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
import { createChatStore } from './service.js';

const ChatStoreEnv = ServiceEnv.extend({
  /** Sustained messages per user per second, and the burst allowed after a quiet spell. */
  TIDINGS_SEND_RATE: z.coerce.number().positive().max(10_000).default(10),
  TIDINGS_SEND_BURST: z.coerce.number().int().positive().max(100_000).default(20),
});

let env: z.output<typeof ChatStoreEnv>;
try {
  env = loadConfig(ChatStoreEnv);
} catch (err) {
  process.stderr.write(`chat-store: ${(err as Error).message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: 'chat-store', level: env.TIDINGS_LOG_LEVEL });

// One chat-store process per database: it is the single writer of messages (see writer.ts).
runMain(logger, async () => {
  const secret = env.TIDINGS_SERVICE_SECRET ?? loadOrCreateServiceCredentials(env.TIDINGS_DATA_DIR)['chat-store'];
  if (!secret) throw new Error('no service secret for chat-store (set TIDINGS_SERVICE_SECRET)');
  const dbUrl = env.DATABASE_URL ?? defaultDatabaseUrl(env.TIDINGS_DATA_DIR);
  const db = await openDatabase(dbUrl);
  logger.info({ db: redactUrl(dbUrl), provider: db.provider }, 'database open');
  let client;
  try {
    client = await connectService({ url: mqttUrlOf(env), service: 'chat-store', secret, logger });
  } catch (err) {
    await db.close();
    throw err;
  }
  const service = createChatStore({
    client,
    db,
    logger,
    settings: { sendRatePerSecond: env.TIDINGS_SEND_RATE, sendBurst: env.TIDINGS_SEND_BURST },
  });
  await service.start();
  const mqtt = client;
  return {
    async stop() {
      await service.stop(); // stop taking requests; store, ack and publish what was accepted
      await disconnectService(mqtt, 'chat-store'); // retained "down", then close MQTT
      await db.close();
    },
  };
});
