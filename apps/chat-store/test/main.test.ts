import path from 'node:path';
import { connectUser } from '@tidings/client';
import { createUserSession, runServiceProcess, serviceHealth, stackEnv, startTestStack, waitForHealthy, type ServiceProcess, type TestStack } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

describeBackends('the chat-store process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    proc?.kill();
    await stack?.close();
  });

  it('reads its config from the environment, stores messages, reports health and stops cleanly on SIGTERM', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    proc = runServiceProcess({
      script: MAIN,
      env: { ...stackEnv(stack), TIDINGS_LOG_LEVEL: 'debug', TIDINGS_SEND_BURST: '2', TIDINGS_SEND_RATE: '0.01' },
    });
    await waitForHealthy(stack, 'chat-store');
    await proc.waitFor('"msg":"started"');
    const session = await createUserSession(stack, 'alice');
    const alice = await connectUser({ url: stack.url }, { username: 'alice', token: session.token, device: 'main-test' });
    await alice.request('room.join', { name: 'general' });
    expect(await alice.request('chat.send', { c: 'general', x: 'one' })).toMatchObject({ s: 1 });
    expect(await alice.request('chat.send', { c: 'general', x: 'two' })).toMatchObject({ s: 2 });
    // TIDINGS_SEND_BURST=2 and TIDINGS_SEND_RATE=0.01 (one message per 100 s) took effect
    await expect(alice.request('chat.send', { c: 'general', x: 'three' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await alice.close();
    expect(await stack.db.prisma.message.count()).toBe(2);

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(await serviceHealth(stack, 'chat-store')).toBe('down');
    expect(proc.output()).toContain('"msg":"stopped"');
    expect(proc.output()).not.toContain(session.token);
  });

  it('refuses to start with a bad setting and names it', async () => {
    proc = runServiceProcess({ script: MAIN, env: { TIDINGS_SEND_BURST: 'lots', TIDINGS_DATA_DIR: '/nonexistent/never-used' } });
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain('TIDINGS_SEND_BURST');
  });
});
