#!/usr/bin/env node
// The chat-query process: environment, database and broker connection come from runService.
import { runService } from '@tidings/service-kit';
import { createChatQuery } from './service.js';

runService({ name: 'chat-query', create: ({ client, db, logger }) => createChatQuery({ client, db, logger }) });
