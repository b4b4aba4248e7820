import type { Logger } from '@tidings/service-kit';
import { startSingleService, type Backend, type SingleServiceHarness } from '@tidings/testkit';
import { createChatQuery, type ChatQuery } from '../src/service.js';

export { describeBackends, type Backend, type RawUser as RawClient } from '@tidings/testkit';

export type QueryHarness = SingleServiceHarness<ChatQuery>;

/**
 * A real broker on port 0 with a temporary database (testkit) and the chat-query service on its
 * own service connection; `now` and `logger` replace the service's clock and logger.
 */
export function startChatQuery(backend: Backend, options: { now?: () => number; logger?: Logger } = {}): Promise<QueryHarness> {
  return startSingleService(backend, 'chat-query', (deps) =>
    createChatQuery({ ...deps, ...(options.logger ? { logger: options.logger } : {}), ...(options.now ? { now: options.now } : {}) }),
  );
}
