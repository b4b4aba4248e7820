import { randomBytes } from 'node:crypto';
import { connectGuest, connectUser, type Connection } from '@tidings/client';
import { disconnectService, type Logger } from '@tidings/service-kit';
import { connectServiceClient, postgresUrlOrSkip, startTestStack, type TestStack } from '@tidings/testkit';
import { topics, type ResultOf } from '@tidings/protocol';
import { connect, type MqttClient } from 'mqtt';
import { describe, it } from 'vitest';
import { createArgon2Hasher } from '../src/hasher.js';
import { createAuthService, type AuthService, type AuthServiceDeps } from '../src/service.js';
import type { AuthSettings } from '../src/settings.js';

/** The same end-to-end tests run on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL. */
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

/** A clock the test moves by hand; shared by the auth service and the broker. */
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/**
 * Real argon2id with the cheapest parameters, so the end-to-end tests (hundreds of hashes and
 * verifications) stay fast. The production parameters are covered by hasher.test.ts and by the
 * tests that pass `hasher: createArgon2Hasher()`.
 */
export const fastArgon2 = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

export interface AuthHarnessOptions {
  settings?: Partial<AuthSettings>;
  /** Logger for the service and the broker (default: the stack's silent test logger). */
  logger?: Logger;
  /** Default: {@link fastArgon2}. */
  hasher?: AuthServiceDeps['hasher'];
  /** How often the broker drops connections of expired sessions (default: the broker's). */
  sessionSweepMs?: number;
}

export interface AuthHarness {
  stack: TestStack;
  service: AuthService;
  clock: ManualClock;
  /** A guest connection through @tidings/client (closed by close()). */
  guest(): Promise<Connection>;
  /** A signed-in connection as `<username>:<device>` (closed by close()). */
  user(login: { username: string; token: string }, device?: string): Promise<Connection>;
  register(username: string, password: string): Promise<void>;
  login(username: string, password: string, device?: string): Promise<ResultOf<'auth.login'>>;
  /** A raw mqtt.js guest (client id `g:<random>`, clean session) subscribed to its reply topic. */
  rawGuest(): Promise<RawClient>;
  /** A raw mqtt.js user connection subscribed to its reply topic. */
  rawUser(login: { username: string; token: string }, device?: string): Promise<RawClient>;
  counts(): Promise<{ users: number; sessions: number; revoked: number }>;
  close(): Promise<void>;
}

/** A raw MQTT client for sending payloads the typed client would never send. */
export interface RawClient {
  client: MqttClient;
  clientId: string;
  /** Publishes `payload` as is on `topic` and resolves with the next reply on the reply topic. */
  send(topic: string, payload: string | Buffer): Promise<{ id: string | null; ok: boolean; error?: { code: string; message: string }; data?: unknown }>;
}

/**
 * A real broker on port 0 with a temporary database (testkit), the auth service connected
 * with its real service credentials, and a manual clock shared by both. Refused attempts
 * are not delayed (sleep is a no-op) so tests never wait on the throttle.
 */
export async function startAuth(backend: Backend, options: AuthHarnessOptions = {}): Promise<AuthHarness> {
  const clock = manualClock();
  const stack = await startTestStack({
    postgres: backend === 'postgres',
    ...(options.logger ? { logger: options.logger } : {}),
    broker: {
      now: clock.now,
      ...(options.sessionSweepMs === undefined ? {} : { limits: { sessionSweepMs: options.sessionSweepMs } }),
    },
  });
  const opened: { close(): Promise<void> }[] = [];
  let serviceClient: MqttClient | undefined;
  let service: AuthService | undefined;
  try {
    serviceClient = await connectServiceClient(stack, 'auth');
    service = createAuthService({
      client: serviceClient,
      db: stack.db,
      logger: options.logger ?? stack.logger,
      now: clock.now,
      sleep: async () => {},
      hasher: options.hasher ?? fastArgon2,
      ...(options.settings ? { settings: options.settings } : {}),
    });
    await service.start();
  } catch (err) {
    await serviceClient?.endAsync(true);
    await stack.close();
    throw err;
  }
  const running = service;
  const mqtt = serviceClient;

  const track = <T extends { close(): Promise<void> }>(c: T): T => {
    opened.push(c);
    return c;
  };

  const harness: AuthHarness = {
    stack,
    service: running,
    clock,
    guest: async () => track(await connectGuest({ url: stack.url })),
    user: async (login, device = 'laptop') =>
      track(await connectUser({ url: stack.url }, { username: login.username, token: login.token, device })),
    async register(username, password) {
      const g = await harness.guest();
      await g.request('auth.register', { username, password });
      await g.close();
    },
    async login(username, password, device) {
      const g = await harness.guest();
      const result = await g.request('auth.login', device === undefined ? { username, password } : { username, password, device });
      await g.close();
      return result;
    },
    rawGuest: async () => {
      const raw = await rawClient(stack.url, `g:${randomBytes(12).toString('base64url')}`, {});
      track({ close: () => raw.client.endAsync(true) });
      return raw;
    },
    rawUser: async (login, device = 'raw') => {
      const raw = await rawClient(stack.url, `${login.username}:${device}`, { username: login.username, password: login.token });
      track({ close: () => raw.client.endAsync(true) });
      return raw;
    },
    async counts() {
      const prisma = stack.db.prisma;
      const [users, sessions, revoked] = await Promise.all([
        prisma.user.count(),
        prisma.session.count(),
        prisma.session.count({ where: { revokedAt: { not: null } } }),
      ]);
      return { users, sessions, revoked };
    },
    async close() {
      await Promise.allSettled(opened.splice(0).map((c) => forceClose(c)));
      await running.stop();
      await disconnectService(mqtt, 'auth').catch(() => mqtt.endAsync(true));
      await stack.close();
    },
  };
  return harness;
}

async function forceClose(c: { close(): Promise<void>; client?: MqttClient; requester?: { cancelAll(): void } }): Promise<void> {
  if (c.client && c.requester) {
    c.requester.cancelAll();
    await c.client.endAsync(true);
    return;
  }
  await c.close();
}

async function rawClient(url: string, clientId: string, auth: { username?: string; password?: string }): Promise<RawClient> {
  const client = connect(url, { protocolVersion: 4, clientId, clean: true, reconnectPeriod: 0, ...auth });
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
    async send(topic, payload) {
      const reply = new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply on ${replyTopic} within 5 s`)), 5000);
        waiting.push((p) => {
          clearTimeout(timer);
          resolve(p);
        });
      });
      await client.publishAsync(topic, payload, { qos: 1 });
      return JSON.parse((await reply).toString('utf8'));
    },
  };
}

/** Resolves when the connection's MQTT client is closed by the broker (or rejects after `ms`). */
export function closedByBroker(conn: { client: MqttClient }, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!conn.client.connected) return resolve();
    const timer = setTimeout(() => reject(new Error(`the broker did not close ${conn.client.options.clientId} within ${ms} ms`)), ms);
    conn.client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Whether the connection is still served: a request on it gets an answer. */
export async function stillServed(conn: Connection): Promise<boolean> {
  if (!conn.client.connected) return false;
  try {
    await conn.request('auth.whoami', {}, { timeoutMs: 3000 });
    return true;
  } catch {
    return false;
  }
}
