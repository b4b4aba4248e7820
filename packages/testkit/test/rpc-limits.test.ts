import { MAX_PACKET_BYTES, MAX_REPLY_BYTES, topics } from '@tidings/protocol';
import { connectService, createRpcServer, publishBounded } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { captureLogger, startSingleService, startTestStack, type SingleServiceHarness, type TestStack } from '../src/index.js';

let h: SingleServiceHarness<{ start(): Promise<void>; stop(): Promise<void> }> | undefined;
let stack: TestStack | undefined;
let extra: MqttClient | undefined;
afterEach(async () => {
  await extra?.endAsync(true);
  extra = undefined;
  await h?.close();
  h = undefined;
  await stack?.close();
  stack = undefined;
});

const levelOf = (cap: { lines(): string[] }, msg: string) =>
  cap
    .lines()
    .map((l) => JSON.parse(l) as { level: number; msg: string; bytes?: number })
    .filter((l) => l.msg === msg);

/**
 * A reply larger than MAX_REPLY_BYTES is never published: the broker would close the service's
 * connection for it, and mqtt.js would send it again after every reconnect. The client gets a
 * typed REPLY_TOO_LARGE instead, the size is logged at error level, and the service goes on.
 */
it('answers a reply that cannot fit with REPLY_TOO_LARGE, keeps its broker connection and answers the next request', async () => {
  const cap = captureLogger('svc');
  let client: MqttClient | undefined;
  h = await startSingleService('sqlite', 'chat-query', (deps) => {
    client = deps.client;
    const rpc = createRpcServer({
      client: deps.client,
      logger: cap.logger,
      handlers: {
        // A list that is not paged as it must be: 1,000 users of 32 characters is about 90 KB.
        'user.list': (request) => {
          const n = request.after === 'huge' ? 1000 : 2;
          return Promise.resolve({
            users: Array.from({ length: n }, (_, i) => ({ u: `u${String(i).padStart(4, '0')}${'z'.repeat(27)}`, online: true, lastMsg: Date.now() })),
            more: false,
          });
        },
      },
    });
    return { start: () => rpc.start(), stop: () => rpc.close() };
  });
  let closes = 0;
  client!.on('close', () => closes++);
  const ann = await h.rawUser('ann', 'dev');

  const huge = await ann.send('user.list', JSON.stringify({ id: 'q1', after: 'huge' }));
  expect(huge).toEqual({ id: 'q1', e: { code: 'REPLY_TOO_LARGE', message: expect.stringMatching(/at most 61440/) } });
  const small = await ann.send('user.list', JSON.stringify({ id: 'q2' }));
  expect(small).toMatchObject({ id: 'q2', r: { users: [expect.anything(), expect.anything()], more: false } });
  // …and again: nothing is stuck, nothing is resent
  expect(await ann.send('user.list', JSON.stringify({ id: 'q3', after: 'huge' }))).toMatchObject({ id: 'q3', e: { code: 'REPLY_TOO_LARGE' } });
  expect(await ann.send('user.list', JSON.stringify({ id: 'q4' }))).toMatchObject({ id: 'q4', r: { more: false } });

  expect(closes).toBe(0);
  expect(client!.connected).toBe(true);
  const logged = levelOf(cap, 'reply too large: answered REPLY_TOO_LARGE instead');
  expect(logged).toEqual([expect.objectContaining({ level: 50 }), expect.objectContaining({ level: 50 })]);
  expect(logged[0]!.bytes).toBeGreaterThan(MAX_REPLY_BYTES);
});

it('publishBounded drops a packet the broker would refuse, logs it, and the connection stays up', async () => {
  stack = await startTestStack();
  const cap = captureLogger('svc');
  const client = (extra = await connectService({ url: stack.url, service: 'chat-store', secret: stack.credentials['chat-store']!, logger: cap.logger }));
  let closes = 0;
  client.on('close', () => closes++);
  const topic = topics.room('general');
  expect(await publishBounded(client, cap.logger, topic, 'x'.repeat(MAX_PACKET_BYTES), { qos: 1 })).toBe(false);
  expect(await publishBounded(client, cap.logger, topic, JSON.stringify({ t: 'd', s: 1 }), { qos: 1 })).toBe(true);
  expect(closes).toBe(0);
  expect(levelOf(cap, 'packet larger than the broker accepts: dropped, not sent')).toEqual([expect.objectContaining({ level: 50, bytes: expect.any(Number) })]);
});

/**
 * What chat-query met before replies were bounded, made on purpose: a QoS 1 packet over the
 * broker's limit. The broker closes the connection, mqtt.js sends the packet again after
 * reconnecting, and so on. The service connection sees that it keeps failing and says so (a
 * service process then exits with status 1 for its supervisor to restart it: runService).
 */
it('calls a service unhealthy when the broker keeps closing its connection', async () => {
  stack = await startTestStack();
  const cap = captureLogger('svc');
  let unhealthy: (why: string) => void = () => {};
  const said = new Promise<string>((resolve) => (unhealthy = resolve));
  const client = (extra = await connectService({
    url: stack.url,
    service: 'chat-query',
    secret: stack.credentials['chat-query']!,
    logger: cap.logger,
    reconnect: { baseMs: 10, maxMs: 50 },
    health: { maxDrops: 3, windowMs: 60_000, stableMs: 10_000 },
    onUnhealthy: unhealthy,
  }));
  let attempts = 0;
  client.on('packetsend', (packet) => void (packet.cmd === 'connect' && attempts++));
  client.publish(topics.reply('ann:dev'), Buffer.alloc(MAX_PACKET_BYTES + 1), { qos: 1 }, () => {});
  expect(await said).toMatch(/closed 3 connections within 60000 ms/);
  expect(attempts).toBeGreaterThanOrEqual(2); // it reconnected twice, sent the packet again each time, and was closed again
  expect(levelOf(cap, 'broker connection keeps failing: unhealthy')).toEqual([expect.objectContaining({ level: 50 })]);
});
