import path from 'node:path';
import { connectUser } from '@tidings/client';
import { topics } from '@tidings/protocol';
import { Seed, createUserSession, runServiceProcess, serviceHealth, stackEnv, startTestStack, waitForHealthy, type ServiceProcess, type TestStack } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, watch } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

describeBackends('the likes process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    proc?.kill();
    await stack?.close();
  });

  it('reads its config from the environment, serves likes and publishes their counts, reports health and stops cleanly on SIGTERM', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const seed = new Seed(stack.db);
    const general = await seed.room('general', ['alice']);
    await seed.send(general, 'alice', 'hello from before the start');
    proc = runServiceProcess({ script: MAIN, env: { ...stackEnv(stack), TIDINGS_LOG_LEVEL: 'debug' } });
    await waitForHealthy(stack, 'likes');
    await proc.waitFor('"msg":"started"');
    const session = await createUserSession(stack, 'alice');
    const alice = await connectUser({ url: stack.url }, { username: 'alice', token: session.token, device: 'main-test' });
    const room = await watch(alice.client, topics.room('general'));
    expect(await alice.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    expect(await room.next((e) => e.t === 'l')).toEqual({ t: 'l', s: 1, n: 1 });
    await alice.close();

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(await serviceHealth(stack, 'likes')).toBe('down');
    expect(proc.output()).toContain('"msg":"stopped"');
    expect(proc.output()).not.toContain(session.token);
  });

  it('refuses to start with a bad setting and names it', async () => {
    proc = runServiceProcess({ script: MAIN, env: { TIDINGS_LOG_LEVEL: 'chatty', TIDINGS_DATA_DIR: '/nonexistent/never-used' } });
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain('TIDINGS_LOG_LEVEL');
  });
});
