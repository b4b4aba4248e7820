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
import { loadOrCreateRecoveryKey } from './keys.js';
import { createSecurityQuestionsService } from './service.js';

const SERVICE = 'security-questions';

const RecoveryEnv = ServiceEnv.extend({
  /** The recovery key; default: `<data dir>/recovery-key`, made on first start. Every instance needs the same one. */
  TIDINGS_RECOVERY_KEY: z.string().min(32, 'needs at least 32 characters').optional(),
});

let env: z.output<typeof RecoveryEnv>;
try {
  env = loadConfig(RecoveryEnv);
} catch (err) {
  process.stderr.write(`${SERVICE}: ${(err as Error).message}\n`);
  process.exit(1);
}

const logger = createLogger({ name: SERVICE, level: env.TIDINGS_LOG_LEVEL });

runMain(logger, async () => {
  const secret = env.TIDINGS_SERVICE_SECRET ?? loadOrCreateServiceCredentials(env.TIDINGS_DATA_DIR)[SERVICE];
  if (!secret) throw new Error(`no service secret for ${SERVICE} (set TIDINGS_SERVICE_SECRET)`);
  const recoveryKey = env.TIDINGS_RECOVERY_KEY ?? loadOrCreateRecoveryKey(env.TIDINGS_DATA_DIR);
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
  const service = createSecurityQuestionsService({ client, db, logger, recoveryKey });
  await service.start();
  const mqtt = client;
  return {
    async stop() {
      await service.stop(); // stop taking requests, finish those in flight, send pending revocations and events
      await disconnectService(mqtt, SERVICE); // retained "down", then close MQTT
      await db.close();
    },
  };
});
