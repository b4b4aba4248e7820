import { TidingsError } from '@tidings/protocol';
import { createRpcServer, type Logger } from '@tidings/service-kit';
import { afterEach, expect, it } from 'vitest';
import { captureLogger, startSingleService, type SingleServiceHarness } from '../src/index.js';

let h: SingleServiceHarness<{ start(): Promise<void>; stop(): Promise<void> }> | undefined;
afterEach(async () => h?.close());

/**
 * The dispatcher's per-request logger: made only when something is logged for the request (a
 * child logger costs more than validating the request), and then with the request's bindings.
 */
it('logs a request with its action, client and user, and makes no logger for a request that logs nothing', async () => {
  const cap = captureLogger('svc');
  cap.logger.level = 'info';
  let requestLoggers = 0;
  // Counts the children of the dispatcher's own logger (the first child of the one we give it).
  const root = cap.logger;
  const rootChild = root.child.bind(root);
  root.child = (bindings, options) => {
    const dispatcher = rootChild(bindings, options);
    const dispatcherChild = dispatcher.child.bind(dispatcher);
    dispatcher.child = ((b, o) => {
      requestLoggers++;
      return dispatcherChild(b, o);
    }) as Logger['child'];
    return dispatcher;
  };

  h = await startSingleService('sqlite', 'auth', (deps) => {
    const rpc = createRpcServer({
      client: deps.client,
      logger: root,
      handlers: {
        'auth.whoami': async (_request, ctx) => {
          const username = ctx.caller.kind === 'user' ? ctx.caller.username : '?';
          if (username === 'loud') ctx.logger.info({ note: 1 }, 'inside the handler');
          if (username === 'refused') throw new TidingsError('FORBIDDEN', 'not you');
          return { username, createdAt: 0 };
        },
      },
    });
    return { start: () => rpc.start(), stop: () => rpc.close() };
  });

  const quiet = await h.user('quiet', 'dev');
  for (let i = 0; i < 3; i++) expect(await quiet.request('auth.whoami', {})).toEqual({ username: 'quiet', createdAt: 0 });
  expect(requestLoggers).toBe(0);

  const loud = await h.user('loud', 'dev');
  expect(await loud.request('auth.whoami', {})).toEqual({ username: 'loud', createdAt: 0 });
  const refused = await h.user('refused', 'dev');
  await expect(refused.request('auth.whoami', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect(requestLoggers).toBe(2);

  const lines = cap.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.find((l) => l.msg === 'inside the handler')).toMatchObject({ action: 'auth.whoami', clientId: 'loud:dev', user: 'loud', note: 1 });
  expect(lines.find((l) => l.msg === 'refused')).toMatchObject({ action: 'auth.whoami', clientId: 'refused:dev', user: 'refused', errorCode: 'FORBIDDEN' });
  expect(lines.filter((l) => l.user === 'quiet')).toEqual([]);
});
