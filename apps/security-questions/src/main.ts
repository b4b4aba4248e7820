#!/usr/bin/env node
// The security-questions process: environment, database and broker connection come from runService.
import { HashLineEnv, ServiceEnv, hashLineSettings, runService } from '@tidings/service-kit';
import { z } from 'zod';
import { loadOrCreateRecoveryKey } from './keys.js';
import { createSecurityQuestionsService } from './service.js';

runService({
  name: 'security-questions',
  env: ServiceEnv.extend({
    /** The recovery key; default: `<data dir>/recovery-key`, made on first start. Every instance needs the same one. */
    TIDINGS_RECOVERY_KEY: z.string().min(32, 'needs at least 32 characters').optional(),
    ...HashLineEnv.shape,
  }),
  create: ({ client, db, logger, env }) =>
    createSecurityQuestionsService({
      client,
      db,
      logger,
      recoveryKey: env.TIDINGS_RECOVERY_KEY ?? loadOrCreateRecoveryKey(env.TIDINGS_DATA_DIR),
      settings: hashLineSettings(env),
    }),
});
