import path from 'node:path';
import { topics } from '@tidings/protocol';
import {
  Seed,
  createUserSession,
  rawClient,
  runServiceProcess,
  serviceHealth,
  stackEnv,
  startTestStack,
  waitForHealthy,
  waitUntil,
  type ServiceProcess,
  type TestStack,
} from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';

let stack: TestStack | undefined;
let proc: ServiceProcess | undefined;
let user: MqttClient | undefined;
afterEach(async () => {
  proc?.kill();
  await user?.endAsync(true);
  await stack?.close();
  stack = proc = user = undefined;
});

/**
 * The failure of the issue, in a real chat-query process: a reply the broker will not take. Here
 * the broker's packet limit is set below a history page (2 KiB), so an ordinary reply is "too
 * large" for it — the same as a 1.2 MB page was for the 64 KiB default before pages were bounded.
 * The broker closes chat-query's connection; mqtt.js sends the reply again after reconnecting; the
 * process sees its broker connection keep failing and exits with status 1, for the stack (or
 * systemd) to start it afresh instead of looping forever.
 */
it('a chat-query process whose broker connection keeps being closed exits with status 1', async () => {
  stack = await startTestStack({ broker: { limits: { maxPacketSize: 2048 } } });
  const seed = new Seed(stack.db);
  await seed.send(await seed.room('general', ['alice']), 'alice', 'x'.repeat(1500), 'y'.repeat(1500));
  proc = runServiceProcess({
    script: path.resolve(import.meta.dirname, '../dist/main.js'),
    env: { ...stackEnv(stack), TIDINGS_BROKER_DROPS_MAX: '3', TIDINGS_RECONNECT_BASE_MS: '10', TIDINGS_RECONNECT_MAX_MS: '50', TIDINGS_LOG_LEVEL: 'info' },
  });
  await waitForHealthy(stack, 'chat-query');

  const session = await createUserSession(stack, 'alice');
  const alice = await rawClient(stack.url, 'alice:unhealthy', { username: 'alice', password: session.token });
  user = alice.client;
  await alice.client.publishAsync(topics.userRequest(alice.clientId, 'chat.history'), JSON.stringify({ id: 'h1', c: 'general' }), { qos: 1 });

  expect(await proc.exited).toBe(1);
  const lines = proc
    .lines()
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; drops?: number });
  expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'broker connection keeps failing: unhealthy', drops: 3 }));
  // the exit is announced (a reconnect attempt already under way may still log after it)
  expect(lines).toContainEqual(expect.objectContaining({ level: 60, msg: 'unhealthy: exiting for the supervisor to restart this service' }));
  // its last will told everyone it is down
  await waitUntil('chat-query down', async () => ((await serviceHealth(stack!, 'chat-query')) === 'down' ? true : undefined));
});
