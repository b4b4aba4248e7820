import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { connectGuest } from '@tidings/client';
import { describeServiceMain, runServiceProcess, stackEnv, startTestStack, waitForHealthy, type ServiceProcess, type TestStack } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { RECOVERY_KEY_FILE, decoyQuestion, deriveKeys } from '../src/keys.js';
import { describeBackends } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

describeServiceMain({
  service: 'security-questions',
  script: MAIN,
  does: 'makes its recovery key, serves',
  async exercise(stack) {
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
    return ['a secret answer', key];
  },
  // A recovery key that is too short
  badSetting: { name: 'TIDINGS_RECOVERY_KEY', value: 'too-short' },
});

describeBackends('the security-questions process with an operator’s recovery key', (backend) => {
  let stack: TestStack | undefined;
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    proc?.kill();
    await stack?.close();
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
