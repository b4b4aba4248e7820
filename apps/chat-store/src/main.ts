#!/usr/bin/env node
// The chat-store process: environment, database and broker connection come from runService.
// Run exactly one chat-store process per database: it is the single writer of messages (writer.ts).
import { ServiceEnv, runService } from '@tidings/service-kit';
import { z } from 'zod';
import { createChatStore } from './service.js';

runService({
  name: 'chat-store',
  env: ServiceEnv.extend({
    /** Sustained messages per user per second, and the burst allowed after a quiet spell. */
    TIDINGS_SEND_RATE: z.coerce.number().positive().max(10_000).default(10),
    TIDINGS_SEND_BURST: z.coerce.number().int().positive().max(100_000).default(20),
    /** How long a send waits for a database that fails for a while before it is answered UNAVAILABLE (0: not at all). */
    TIDINGS_DB_RETRY_SECONDS: z.coerce.number().min(0).max(600).default(30),
    /** Sends waiting to be stored at most; past it new sends are answered UNAVAILABLE at once. */
    TIDINGS_SEND_QUEUE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    /** Rooms one user may create; past it room.create is refused (FORBIDDEN). */
    TIDINGS_ROOMS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(50),
  }),
  create: ({ client, db, logger, env }) =>
    createChatStore({
      client,
      db,
      logger,
      settings: {
        sendRatePerSecond: env.TIDINGS_SEND_RATE,
        sendBurst: env.TIDINGS_SEND_BURST,
        dbRetryMs: env.TIDINGS_DB_RETRY_SECONDS * 1000,
        maxWaiting: env.TIDINGS_SEND_QUEUE,
        roomsPerUser: env.TIDINGS_ROOMS_PER_USER,
      },
    }),
});
