import { startSingleService, type Backend, type SingleServiceHarness } from '@tidings/testkit';
import { createChatQuery, type ChatQuery } from '../src/service.js';

export { describeBackends, type Backend, type RawUser as RawClient } from '@tidings/testkit';

export type QueryHarness = SingleServiceHarness<ChatQuery>;

/** A real broker on port 0 with a temporary database (testkit) and the chat-query service on its own service connection. */
export function startChatQuery(backend: Backend): Promise<QueryHarness> {
  return startSingleService(backend, 'chat-query', (deps) => createChatQuery(deps));
}
