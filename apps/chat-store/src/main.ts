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
  }),
  create: ({ client, db, logger, env }) =>
    createChatStore({ client, db, logger, settings: { sendRatePerSecond: env.TIDINGS_SEND_RATE, sendBurst: env.TIDINGS_SEND_BURST } }),
});
