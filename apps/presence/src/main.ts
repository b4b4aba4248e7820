#!/usr/bin/env node
// The presence process: environment, database and broker connection come from runService.
import { ServiceEnv, envSchema, runService } from '@tidings/service-kit';
import { createPresence } from './service.js';

runService({
  name: 'presence',
  env: ServiceEnv.extend(envSchema('TIDINGS_PRESENCE_SETTLE_MS').shape),
  create: ({ client, db, logger, env }) => createPresence({ client, db, logger, settings: { settleMs: env.TIDINGS_PRESENCE_SETTLE_MS } }),
});
