#!/usr/bin/env node
// The chat-store process: environment, database and broker connection come from runService.
// Run exactly one chat-store process per database: it is the single writer of messages (writer.ts).
import { LimitsEnv, ServiceEnv, envSchema, runService } from '@tidings/service-kit';
import { createChatStore } from './service.js';

runService({
  name: 'chat-store',
  env: ServiceEnv.extend({
    ...envSchema('TIDINGS_SEND_RATE', 'TIDINGS_SEND_BURST', 'TIDINGS_DB_RETRY_SECONDS', 'TIDINGS_SEND_QUEUE', 'TIDINGS_ROOMS_PER_USER').shape,
    ...LimitsEnv.shape,
  }),
  create: ({ client, db, logger, env, limits }) =>
    createChatStore({
      client,
      db,
      logger,
      limits,
      settings: {
        sendRatePerSecond: env.TIDINGS_SEND_RATE,
        sendBurst: env.TIDINGS_SEND_BURST,
        dbRetryMs: env.TIDINGS_DB_RETRY_SECONDS * 1000,
        maxWaiting: env.TIDINGS_SEND_QUEUE,
        roomsPerUser: env.TIDINGS_ROOMS_PER_USER,
      },
    }),
});
