import path from 'node:path';
import { connectGuest } from '@tidings/client';
import { runServiceProcess, serviceHealth, stackEnv, startTestStack, waitForHealthy, type ServiceProcess, type TestStack } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

describeBackends('the auth process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    proc?.kill();
    await stack?.close();
  });

  it('reads its config from the environment, serves requests, reports health and stops cleanly on SIGTERM', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    proc = runServiceProcess({ script: MAIN, env: { ...stackEnv(stack), TIDINGS_LOG_LEVEL: 'debug', TIDINGS_SESSION_TTL_DAYS: '2' } });
    await waitForHealthy(stack, 'auth');
    // Health says "connected"; the log says when the requests are subscribed.
    await proc.waitFor('"msg":"started"');
    const guest = await connectGuest({ url: stack.url });
    await guest.request('auth.register', { username: 'alice', password: 'a main-process password' });
    const login = await guest.request('auth.login', { username: 'alice', password: 'a main-process password' });
    expect(login.expiresAt - Date.now()).toBeGreaterThan(2 * 24 * 3600_000 - 60_000);
    expect(login.expiresAt - Date.now()).toBeLessThanOrEqual(2 * 24 * 3600_000);
    await guest.close();

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(await serviceHealth(stack, 'auth')).toBe('down');
    expect(proc.output()).toContain('"msg":"stopped"');
    expect(proc.output()).not.toContain('a main-process password');
    expect(proc.output()).not.toContain(login.token);
  });

  it('refuses to start with a bad setting and names it', async () => {
    proc = runServiceProcess({ script: MAIN, env: { TIDINGS_SESSION_TTL_DAYS: 'forever', TIDINGS_DATA_DIR: '/nonexistent/never-used' } });
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain('TIDINGS_SESSION_TTL_DAYS');
  });
});
