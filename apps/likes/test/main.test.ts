import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { connectUser } from '@tidings/client';
import { createUserSession, startTestStack, type TestStack } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { topics } from '@tidings/protocol';
import { describeBackends, watch } from './helpers.js';
import { Seed } from '@tidings/testkit';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

async function health(stack: TestStack): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${stack.broker.httpPort}/healthz`);
  const body = (await res.json()) as { services: Record<string, string> };
  return body.services['likes'];
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

describeBackends('the likes process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await stack?.close();
  });

  it('reads its config from the environment, serves likes and publishes their counts, reports health and stops cleanly on SIGTERM', async () => {
    expect(existsSync(MAIN), 'build the package first (pnpm run build)').toBe(true);
    stack = await startTestStack({ postgres: backend === 'postgres' });
    const seed = new Seed(stack.db);
    const general = await seed.room('general', ['alice']);
    await seed.send(general, 'alice', 'hello from before the start');
    let output = '';
    child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, TIDINGS_DATA_DIR: stack.dataDir, TIDINGS_MQTT_URL: stack.url, DATABASE_URL: stack.dbUrl, TIDINGS_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

    await until('likes up', async () => ((await health(stack!)) === 'up' ? true : undefined));
    await until('likes started', async () => (output.includes('"msg":"started"') ? true : undefined)).catch((e) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });
    const session = await createUserSession(stack, 'alice');
    const alice = await connectUser({ url: stack.url }, { username: 'alice', token: session.token, device: 'main-test' });
    const room = await watch(alice.client, topics.room('general'));
    expect(await alice.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    expect(await room.next((e) => e.t === 'l')).toEqual({ t: 'l', s: 1, n: 1 });
    await alice.close();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await health(stack)).toBe('down');
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain(session.token);
  });

  it('refuses to start with a bad setting and names it', async () => {
    expect(existsSync(MAIN), 'build the package first (pnpm run build)').toBe(true);
    const run = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, TIDINGS_LOG_LEVEL: 'chatty', TIDINGS_DATA_DIR: '/nonexistent/never-used' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = run;
    let err = '';
    run.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toContain('TIDINGS_LOG_LEVEL');
  });
});
