import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { topics, userClientId } from '@tidings/protocol';
import { createUserSession, startTestStack, type TestStack } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, rawConnect } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

async function health(stack: TestStack): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${stack.broker.httpPort}/healthz`);
  const body = (await res.json()) as { services: Record<string, string> };
  return body.services.presence;
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

describeBackends('the presence process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let child: ChildProcess | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await Promise.allSettled(clients.splice(0).map((c) => c.endAsync(true)));
    await stack?.close();
  });

  it('reads its config from the environment, follows devices, reports health and stops cleanly on SIGTERM', async () => {
    expect(existsSync(MAIN), 'build the package first (pnpm run build)').toBe(true);
    stack = await startTestStack({ postgres: backend === 'postgres' });
    let output = '';
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        TIDINGS_DATA_DIR: stack.dataDir,
        TIDINGS_MQTT_URL: stack.url,
        DATABASE_URL: stack.dbUrl,
        TIDINGS_LOG_LEVEL: 'debug',
        TIDINGS_PRESENCE_SETTLE_MS: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

    await until('presence up', async () => ((await health(stack!)) === 'up' ? true : undefined));
    await until('presence started', async () => (output.includes('"msg":"started"') ? true : undefined)).catch((e) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });

    const { token } = await createUserSession(stack, 'alice');
    const clientId = userClientId('alice', 'phone');
    const watcher = await rawConnect(stack.url, { clientId: userClientId('alice', 'watch'), username: 'alice', password: token });
    clients.push(watcher);
    const seen = new Promise<unknown>((resolve) => watcher.on('message', (_t, p) => resolve(JSON.parse(p.toString('utf8')))));
    await watcher.subscribeAsync(topics.presence('alice'), { qos: 1 });
    const phone = await rawConnect(stack.url, { clientId, username: 'alice', password: token });
    clients.push(phone);
    await phone.publishAsync(topics.devicePresence('alice', clientId), '1', { qos: 1, retain: true });
    await expect(seen).resolves.toMatchObject({ on: true });
    await until('alice online in the database', async () =>
      (await stack!.db.prisma.user.findUniqueOrThrow({ where: { username: 'alice' } })).online ? true : undefined,
    );

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await health(stack)).toBe('down');
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain(token);
  });

  it('refuses to start with a bad setting and names it', async () => {
    expect(existsSync(MAIN), 'build the package first (pnpm run build)').toBe(true);
    const run = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, TIDINGS_PRESENCE_SETTLE_MS: 'soon', TIDINGS_DATA_DIR: '/nonexistent/never-used' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = run;
    let err = '';
    run.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toContain('TIDINGS_PRESENCE_SETTLE_MS');
  });
});
