import path from 'node:path';
import { connectUser } from '@tidings/client';
import { Seed, createUserSession, runServiceProcess, serviceHealth, stackEnv, startTestStack, waitForHealthy, type ServiceProcess, type TestStack } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

describeBackends('the chat-query process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    proc?.kill();
    await stack?.close();
  });

  it('reads its config from the environment, serves history, reports health and stops cleanly on SIGTERM', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const seed = new Seed(stack.db);
    const general = await seed.room('general', ['alice']);
    await seed.send(general, 'alice', 'hello from before the start');
    proc = runServiceProcess({ script: MAIN, env: { ...stackEnv(stack), TIDINGS_LOG_LEVEL: 'debug' } });
    await waitForHealthy(stack, 'chat-query');
    await proc.waitFor('"msg":"started"');
    const session = await createUserSession(stack, 'alice');
    const alice = await connectUser({ url: stack.url }, { username: 'alice', token: session.token, device: 'main-test' });
    const page = await alice.request('chat.history', { c: 'general' });
    expect(page.messages.map((m) => m.x)).toEqual(['hello from before the start']);
    await alice.close();

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(await serviceHealth(stack, 'chat-query')).toBe('down');
    expect(proc.output()).toContain('"msg":"stopped"');
    expect(proc.output()).not.toContain(session.token);
  });

  it('refuses to start with a bad setting and names it', async () => {
    proc = runServiceProcess({ script: MAIN, env: { TIDINGS_LOG_LEVEL: 'chatty', TIDINGS_DATA_DIR: '/nonexistent/never-used' } });
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain('TIDINGS_LOG_LEVEL');
  });
});
