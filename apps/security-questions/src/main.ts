#!/usr/bin/env node
// The security-questions process: environment, database and broker connection come from runService.
import { HashLineEnv, LimitsEnv, ServiceEnv, envSchema, hashLineSettings, runService } from '@tidings/service-kit';
import { loadOrCreateRecoveryKey } from './keys.js';
import { createSecurityQuestionsService } from './service.js';

runService({
  name: 'security-questions',
  env: ServiceEnv.extend({ ...envSchema('TIDINGS_RECOVERY_KEY').shape, ...HashLineEnv.shape, ...LimitsEnv.shape }),
  create: ({ client, db, logger, env, limits }) =>
    createSecurityQuestionsService({
      client,
      db,
      logger,
      limits,
      recoveryKey: env.TIDINGS_RECOVERY_KEY ?? loadOrCreateRecoveryKey(env.TIDINGS_DATA_DIR),
      settings: hashLineSettings(env),
    }),
});
