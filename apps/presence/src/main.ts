#!/usr/bin/env node
// The presence process: environment, database and broker connection come from runService.
import { ServiceEnv, runService } from '@tidings/service-kit';
import { z } from 'zod';
import { createPresence } from './service.js';

runService({
  name: 'presence',
  env: ServiceEnv.extend({
    /** After (re)connecting, how long the retained device states have to arrive before stale users are set offline. */
    TIDINGS_PRESENCE_SETTLE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  }),
  create: ({ client, db, logger, env }) => createPresence({ client, db, logger, settings: { settleMs: env.TIDINGS_PRESENCE_SETTLE_MS } }),
});
