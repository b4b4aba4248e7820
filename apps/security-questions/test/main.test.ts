import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { connectGuest } from '@tidings/client';
import { runServiceProcess, serviceHealth, stackEnv, startTestStack, waitForHealthy, type ServiceProcess, type TestStack } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { RECOVERY_KEY_FILE, decoyQuestion, deriveKeys } from '../src/keys.js';
import { describeBackends } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

describeBackends('the security-questions process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    proc?.kill();
    await stack?.close();
  });

  it('reads its config from the environment, makes its recovery key, serves, reports health and stops cleanly on SIGTERM', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    proc = runServiceProcess({ script: MAIN, env: { ...stackEnv(stack), TIDINGS_LOG_LEVEL: 'debug' } });
    await waitForHealthy(stack, 'security-questions');
    await proc.waitFor('"msg":"started"');
    const keyFile = path.join(stack.dataDir, RECOVERY_KEY_FILE);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8').trim();

    const guest = await connectGuest({ url: stack.url });
    const { question } = await guest.request('recovery.question', { username: 'nobody-here' });
    expect(question).toBe(decoyQuestion(deriveKeys(key), 'nobody-here'));
    await expect(guest.request('recovery.reset', { username: 'nobody-here', answer: 'a secret answer', newPassword: 'a new password' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    await guest.close();

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(await serviceHealth(stack, 'security-questions')).toBe('down');
    expect(proc.output()).toContain('"msg":"stopped"');
    expect(proc.output()).not.toContain('a secret answer');
    expect(proc.output()).not.toContain(key);
  });

  it('takes its recovery key from TIDINGS_RECOVERY_KEY when set', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const key = 'an-operator-chosen-recovery-key-0123456789';
    proc = runServiceProcess({ script: MAIN, env: { ...stackEnv(stack), TIDINGS_RECOVERY_KEY: key } });
    await waitForHealthy(stack, 'security-questions');
    const guest = await connectGuest({ url: stack.url });
    const names = ['someone1', 'someone2', 'someone3'];
    for (const username of names) {
      expect((await guest.request('recovery.question', { username })).question).toBe(decoyQuestion(deriveKeys(key), username));
    }
    await guest.close();
    expect(existsSync(path.join(stack.dataDir, RECOVERY_KEY_FILE))).toBe(false);
  });
});

it('refuses to start with a recovery key that is too short, and names the variable', async () => {
  const run = runServiceProcess({ script: MAIN, env: { TIDINGS_RECOVERY_KEY: 'too-short', TIDINGS_DATA_DIR: '/nonexistent/never-used' } });
  expect(await run.exited).toBe(1);
  expect(run.stderr()).toContain('TIDINGS_RECOVERY_KEY');
});
