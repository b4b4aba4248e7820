#!/usr/bin/env node
// The likes process: environment, database and broker connection come from runService.
import { runService } from '@tidings/service-kit';
import { createLikes } from './service.js';

runService({ name: 'likes', create: ({ client, db, logger }) => createLikes({ client, db, logger }) });
