import path from 'node:path';
import { topics, userClientId } from '@tidings/protocol';
import { createUserSession, runServiceProcess, serviceHealth, stackEnv, startTestStack, waitForHealthy, waitUntil, type ServiceProcess, type TestStack } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, rawConnect } from './helpers.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

describeBackends('the presence process (dist/main.js)', (backend) => {
  let stack: TestStack | undefined;
  let proc: ServiceProcess | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    proc?.kill();
    await Promise.allSettled(clients.splice(0).map((c) => c.endAsync(true)));
    await stack?.close();
  });

  it('reads its config from the environment, follows devices, reports health and stops cleanly on SIGTERM', async () => {
    stack = await startTestStack({ postgres: backend === 'postgres' });
    proc = runServiceProcess({ script: MAIN, env: { ...stackEnv(stack), TIDINGS_LOG_LEVEL: 'debug', TIDINGS_PRESENCE_SETTLE_MS: '100' } });
    await waitForHealthy(stack, 'presence');
    await proc.waitFor('"msg":"started"');

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
    await waitUntil('alice online in the database', async () =>
      (await stack!.db.prisma.user.findUniqueOrThrow({ where: { username: 'alice' } })).online ? true : undefined,
    );

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(await serviceHealth(stack, 'presence')).toBe('down');
    expect(proc.output()).toContain('"msg":"stopped"');
    expect(proc.output()).not.toContain(token);
  });

  it('refuses to start with a bad setting and names it', async () => {
    proc = runServiceProcess({ script: MAIN, env: { TIDINGS_PRESENCE_SETTLE_MS: 'soon', TIDINGS_DATA_DIR: '/nonexistent/never-used' } });
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain('TIDINGS_PRESENCE_SETTLE_MS');
  });
});
