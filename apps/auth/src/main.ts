#!/usr/bin/env node
// The auth process: environment, database and broker connection come from runService.
import { HashLineEnv, ServiceEnv, hashLineSettings, runService } from '@tidings/service-kit';
import { z } from 'zod';
import { createAuthService } from './service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

runService({
  name: 'auth',
  env: ServiceEnv.extend({
    /** How long a sign-in lasts (default 30 days). */
    TIDINGS_SESSION_TTL_DAYS: z.coerce.number().positive().max(366).default(30),
    /** Active sessions one account keeps at most; a sign-in past it ends the oldest. */
    TIDINGS_MAX_SESSIONS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10),
    ...HashLineEnv.shape,
  }),
  create: ({ client, db, logger, env }) =>
    createAuthService({
      client,
      db,
      logger,
      settings: {
        sessionTtlMs: Math.round(env.TIDINGS_SESSION_TTL_DAYS * DAY_MS),
        maxSessionsPerUser: env.TIDINGS_MAX_SESSIONS_PER_USER,
        ...hashLineSettings(env),
      },
    }),
});
