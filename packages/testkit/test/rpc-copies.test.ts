import { createRpcServer } from '@tidings/service-kit';
import { afterEach, expect, it } from 'vitest';
import { startSingleService, type SingleServiceHarness } from '../src/index.js';

let h: SingleServiceHarness<{ start(): Promise<void>; stop(): Promise<void> }> | undefined;
afterEach(async () => h?.close());

/**
 * Clients send a request again, same id, after a reconnect. A repeatable action (a read) is
 * handled again; any other is handled once and every copy gets the first answer.
 */
it('handles a copy of a non-repeatable request once and answers it with the first answer', async () => {
  const runs = { create: 0, read: 0 };
  h = await startSingleService('sqlite', 'chat-store', (deps) => {
    const rpc = createRpcServer({
      client: deps.client,
      logger: deps.logger,
      handlers: {
        'room.create': async (request) => ({ name: `${request.name}-${++runs.create}`, lastSeq: 0 }),
        'chat.read': async () => ({ s: ++runs.read }),
      },
    });
    return { start: () => rpc.start(), stop: () => rpc.close() };
  });
  const raw = await h.rawUser('alice', 'phone');
  const create = JSON.stringify({ id: 'req-1', name: 'garden' });
  const first = await raw.send('room.create', create);
  const copy = await raw.send('room.create', create);
  expect(first).toEqual({ id: 'req-1', r: { name: 'garden-1', lastSeq: 0 } });
  expect(copy).toEqual(first);
  expect(runs.create).toBe(1);
  // the same id for another request (a client reusing ids) is another request
  const other = await raw.send('room.create', JSON.stringify({ id: 'req-1', name: 'orchard' }));
  expect(other).toEqual({ id: 'req-1', r: { name: 'orchard-2', lastSeq: 0 } });

  const read = JSON.stringify({ id: 'req-2', c: 'garden', s: 1 });
  await raw.send('chat.read', read);
  const again = await raw.send('chat.read', read);
  expect(again).toEqual({ id: 'req-2', r: { s: 2 } });
});
