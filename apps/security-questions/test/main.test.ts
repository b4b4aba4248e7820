import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { connectGuest } from '@tidings/client';
import { startTestStack, type TestStack } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { RECOVERY_KEY_FILE, decoyQuestion, deriveKeys } from '../src/keys.js';
import { describeBackends } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

async function health(stack: TestStack): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${stack.broker.httpPort}/healthz`);
  const body = (await res.json()) as { services: Record<string, string> };
  return body.services['security-questions'];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeBackends('the security-questions process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await stack?.close();
  });

  it('reads its config from the environment, makes its recovery key, serves, reports health and stops cleanly on SIGTERM', async () => {
    expect(existsSync(MAIN), 'build the package first (pnpm run build)').toBe(true);
    stack = await startTestStack({ postgres: backend === 'postgres' });
    let output = '';
    child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, TIDINGS_DATA_DIR: stack.dataDir, TIDINGS_MQTT_URL: stack.url, DATABASE_URL: stack.dbUrl, TIDINGS_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

    await until('security-questions up', async () => ((await health(stack!)) === 'up' ? true : undefined));
    await until('started', async () => (output.includes('"msg":"started"') ? true : undefined)).catch((e) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });
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

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await health(stack)).toBe('down');
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain('a secret answer');
    expect(output).not.toContain(key);
  });

  it('takes its recovery key from TIDINGS_RECOVERY_KEY when set', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const key = 'an-operator-chosen-recovery-key-0123456789';
    child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, TIDINGS_DATA_DIR: stack.dataDir, TIDINGS_MQTT_URL: stack.url, DATABASE_URL: stack.dbUrl, TIDINGS_RECOVERY_KEY: key },
      stdio: 'ignore',
    });
    await until('security-questions up', async () => ((await health(stack!)) === 'up' ? true : undefined));
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
  const run = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, TIDINGS_RECOVERY_KEY: 'too-short', TIDINGS_DATA_DIR: '/nonexistent/never-used' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  run.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => run.once('exit', (c) => resolve(c)));
  expect(code).toBe(1);
  expect(err).toContain('TIDINGS_RECOVERY_KEY');
});
