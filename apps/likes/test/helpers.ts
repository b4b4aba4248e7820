import { connectUser, type Connection } from '@tidings/client';
import { ConversationEvent, topics } from '@tidings/protocol';
import { disconnectService } from '@tidings/service-kit';
import { connectServiceClient, createUserSession, postgresUrlOrSkip, startTestStack, type TestStack } from '@tidings/testkit';
import { connect, type MqttClient } from 'mqtt';
import { describe, it } from 'vitest';
import { createLikes, type Likes } from '../src/service.js';
import { Seed } from './seed.js';

export type Backend = 'sqlite' | 'postgres';

/** describe.each over the backends; the PostgreSQL block is skipped (with a printed reason) when TEST_POSTGRES_URL is unset. */
export function describeBackends(name: string, body: (backend: Backend) => void): void {
  const hasPostgres = postgresUrlOrSkip() !== undefined;
  describe.each(['sqlite', 'postgres'] as const)(`${name} on %s`, (backend) => {
    if (backend === 'postgres' && !hasPostgres) {
      it.skip('runs only when TEST_POSTGRES_URL is set', () => {});
      return;
    }
    body(backend);
  });
}

export interface LikesHarness {
  stack: TestStack;
  service: Likes;
  seed: Seed;
  /** A signed-in connection as `<username>:<device>` through @tidings/client (the user is created if missing). */
  user(username: string, device?: string): Promise<Connection>;
  /** A raw mqtt.js connection of a signed-in user, for payloads the typed client would never send. */
  rawUser(username: string, device?: string): Promise<RawClient>;
  close(): Promise<void>;
}

export interface RawReply {
  id: string | null;
  ok: boolean;
  error?: { code: string; message: string };
  data?: unknown;
}

export interface RawClient {
  client: MqttClient;
  clientId: string;
  username: string;
  /** Publishes `payload` as is on the request topic of `action` and resolves with the next reply. */
  send(action: string, payload: string | Buffer): Promise<RawReply>;
}

/** A real broker on port 0 with a temporary database (testkit) and the likes service on its own service connection. */
export async function startLikes(backend: Backend): Promise<LikesHarness> {
  const stack = await startTestStack({ postgres: backend === 'postgres' });
  let client: MqttClient | undefined;
  let service: Likes | undefined;
  try {
    client = await connectServiceClient(stack, 'likes');
    service = createLikes({ client, db: stack.db, logger: stack.logger });
    await service.start();
  } catch (err) {
    await client?.endAsync(true);
    await stack.close();
    throw err;
  }
  const running = service;
  const mqtt = client;
  const opened: (() => Promise<void>)[] = [];
  return {
    stack,
    service: running,
    seed: new Seed(stack.db),
    async user(username, device = 'laptop') {
      const session = await createUserSession(stack, username);
      const conn = await connectUser({ url: stack.url }, { username, token: session.token, device });
      opened.push(async () => {
        conn.requester.cancelAll();
        await conn.client.endAsync(true);
      });
      return conn;
    },
    async rawUser(username, device = 'raw') {
      const session = await createUserSession(stack, username);
      const raw = await rawClient(stack.url, username, device, session.token);
      opened.push(() => raw.client.endAsync(true));
      return raw;
    },
    async close() {
      await Promise.allSettled(opened.splice(0).map((c) => c()));
      await running.stop();
      await disconnectService(mqtt, 'likes').catch(() => mqtt.endAsync(true));
      await stack.close();
    },
  };
}

async function rawClient(url: string, username: string, device: string, token: string): Promise<RawClient> {
  const clientId = `${username}:${device}`;
  const client = connect(url, { protocolVersion: 4, clientId, clean: true, reconnectPeriod: 0, username, password: token });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const replyTopic = topics.reply(clientId);
  await client.subscribeAsync(replyTopic, { qos: 1 });
  const waiting: ((payload: Buffer) => void)[] = [];
  client.on('message', (topic, payload) => {
    if (topic === replyTopic) waiting.shift()?.(payload);
  });
  return {
    client,
    clientId,
    username,
    async send(action, payload) {
      const reply = new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply on ${replyTopic} within 5 s`)), 5000);
        waiting.push((p) => {
          clearTimeout(timer);
          resolve(p);
        });
      });
      await client.publishAsync(topics.userRequest(username, clientId, action), payload, { qos: 1 });
      return JSON.parse((await reply).toString('utf8')) as RawReply;
    },
  };
}

/** Live events seen on one topic by one client, in arrival order. */
export interface Watch {
  events: ConversationEvent[];
  /** Resolves with the first event (already seen, or arriving later) that matches. */
  next(match: (e: ConversationEvent) => boolean, ms?: number): Promise<ConversationEvent>;
}

/**
 * Subscribes `client` to `topic` (QoS 1) and records every event that arrives there; refuses
 * when the broker refuses the subscription.
 */
export async function watch(client: MqttClient, topic: string): Promise<Watch> {
  const events: ConversationEvent[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (t, payload) => {
    if (t !== topic) return;
    events.push(ConversationEvent.parse(JSON.parse(payload.toString('utf8'))));
    for (const w of waiters.splice(0)) w();
  });
  // mqtt.js rejects a SUBACK failure (0x80) as "Subscribe error"; older versions resolve with qos 128.
  const refused = new Error(`the broker refused ${client.options.clientId} a subscription to ${topic}`);
  const granted = await client.subscribeAsync(topic, { qos: 1 }).catch(() => {
    throw refused;
  });
  if (granted.some((g) => g.qos === 128)) throw refused;
  return {
    events,
    next(match, ms = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event on ${topic} within ${ms} ms; saw ${JSON.stringify(events)}`)), ms);
        const check = () => {
          const found = events.find(match);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}
