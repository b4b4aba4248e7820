#!/usr/bin/env node
// The security-questions process: environment, database and broker connection come from runService.
import { HashLineEnv, ServiceEnv, envSchema, hashLineSettings, runService } from '@tidings/service-kit';
import { loadOrCreateRecoveryKey } from './keys.js';
import { createSecurityQuestionsService } from './service.js';

runService({
  name: 'security-questions',
  env: ServiceEnv.extend({ ...envSchema('TIDINGS_RECOVERY_KEY').shape, ...HashLineEnv.shape }),
  create: ({ client, db, logger, env }) =>
    createSecurityQuestionsService({
      client,
      db,
      logger,
      recoveryKey: env.TIDINGS_RECOVERY_KEY ?? loadOrCreateRecoveryKey(env.TIDINGS_DATA_DIR),
      settings: hashLineSettings(env),
    }),
});
