#!/usr/bin/env node
// The auth process: environment, database and broker connection come from runService.
import { HashLineEnv, LimitsEnv, ServiceEnv, envSchema, hashLineSettings, runService } from '@tidings/service-kit';
import { createAuthService } from './service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

runService({
  name: 'auth',
  env: ServiceEnv.extend({ ...envSchema('TIDINGS_SESSION_TTL_DAYS', 'TIDINGS_MAX_SESSIONS_PER_USER').shape, ...HashLineEnv.shape, ...LimitsEnv.shape }),
  create: ({ client, db, logger, env, limits }) =>
    createAuthService({
      client,
      db,
      logger,
      limits,
      settings: {
        sessionTtlMs: Math.round(env.TIDINGS_SESSION_TTL_DAYS * DAY_MS),
        maxSessionsPerUser: env.TIDINGS_MAX_SESSIONS_PER_USER,
        ...hashLineSettings(env),
      },
    }),
});
