import { randomBytes } from 'node:crypto';
import { createArgon2Hasher as createAuthHasher, createAuthService, type AuthService } from '@tidings/auth';
import { connectGuest, connectUser, type Connection } from '@tidings/client';
import { topics, type ResultOf } from '@tidings/protocol';
import { disconnectService, type Logger } from '@tidings/service-kit';
import { connectServiceClient, postgresUrlOrSkip, startTestStack, type TestStack } from '@tidings/testkit';
import { connect, type MqttClient } from 'mqtt';
import { describe, it } from 'vitest';
import { createArgon2Hasher, type SecretHasher } from '../src/hasher.js';
import { createSecurityQuestionsService, type SecurityQuestionsService } from '../src/service.js';
import type { RecoverySettings } from '../src/settings.js';

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

/** A clock the test moves by hand; shared by both services and the broker. */
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
/** Real argon2id with the cheapest parameters (both services), so the end-to-end tests stay fast. */
export const fastArgon2 = createArgon2Hasher(CHEAP);
const fastAuthArgon2 = createAuthHasher(CHEAP);

/** The recovery key of the test service. */
export const TEST_RECOVERY_KEY = 'test-recovery-key-0123456789abcdefghijklmnop';

/** A hasher that counts its calls, to assert how much work a request did (not how long it took). */
export interface CountingHasher extends SecretHasher {
  readonly calls: { hash: number; verify: number };
  /** The stored hashes verify() was called with, in order. */
  readonly verified: string[];
  reset(): void;
}

export function countingHasher(inner: SecretHasher = fastArgon2): CountingHasher {
  const calls = { hash: 0, verify: 0 };
  const verified: string[] = [];
  return {
    calls,
    verified,
    hash: (secret) => {
      calls.hash += 1;
      return inner.hash(secret);
    },
    verify: (stored, secret) => {
      calls.verify += 1;
      verified.push(stored);
      return inner.verify(stored, secret);
    },
    reset() {
      calls.hash = 0;
      calls.verify = 0;
      verified.length = 0;
    },
  };
}

export interface HarnessOptions {
  settings?: Partial<RecoverySettings>;
  /** Logger for both services and the broker (default: the stack's silent test logger). */
  logger?: Logger;
  /** Default: {@link fastArgon2}. */
  hasher?: SecretHasher;
  recoveryKey?: string;
}

export interface RawReply {
  id: string | null;
  ok: boolean;
  error?: { code: string; message: string; retryAfter?: number };
  data?: unknown;
}

/** A raw MQTT client for payloads the typed client would never send. */
export interface RawClient {
  client: MqttClient;
  clientId: string;
  /** Publishes `payload` as is on `topic` and resolves with the next reply on the reply topic. */
  send(topic: string, payload: string | Buffer): Promise<RawReply>;
}

export type Login = ResultOf<'auth.login'>;

export interface Harness {
  stack: TestStack;
  auth: AuthService;
  service: SecurityQuestionsService;
  clock: ManualClock;
  guest(): Promise<Connection>;
  user(login: { username: string; token: string }, device?: string): Promise<Connection>;
  register(username: string, password: string): Promise<void>;
  login(username: string, password: string, device?: string): Promise<Login>;
  /** Registers, signs in and sets a security question; returns the sign-in. */
  userWithQuestion(username: string, password: string, question: string, answer: string): Promise<Login>;
  /** One guest request on a fresh guest connection (a fresh client id, as a scripted guesser would). */
  asGuest<A extends 'recovery.question' | 'recovery.reset' | 'recovery.code' | 'auth.login'>(
    action: A,
    body: Parameters<Connection['request']>[1] & object,
  ): Promise<unknown>;
  rawGuest(): Promise<RawClient>;
  rawUser(login: { username: string; token: string }, device?: string): Promise<RawClient>;
  /** Rows of every table this service writes, to show a refused request changed nothing. */
  snapshot(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A real broker on port 0 with a temporary database (testkit), the real auth service (sign-up,
 * sign-in) and the security-questions service, each with its own service credentials, and one
 * manual clock for all three. Refused attempts are not delayed (sleep is a no-op).
 */
export async function startRecovery(backend: Backend, options: HarnessOptions = {}): Promise<Harness> {
  const clock = manualClock();
  const stack = await startTestStack({
    postgres: backend === 'postgres',
    ...(options.logger ? { logger: options.logger } : {}),
    broker: { now: clock.now },
  });
  const logger = options.logger ?? stack.logger;
  const clients: MqttClient[] = [];
  let auth: AuthService | undefined;
  let service: SecurityQuestionsService | undefined;
  try {
    const authClient = await connectServiceClient(stack, 'auth');
    clients.push(authClient);
    auth = createAuthService({ client: authClient, db: stack.db, logger, now: clock.now, sleep: async () => {}, hasher: fastAuthArgon2 });
    await auth.start();
    const client = await connectServiceClient(stack, 'security-questions');
    clients.push(client);
    service = createSecurityQuestionsService({
      client,
      db: stack.db,
      logger,
      recoveryKey: options.recoveryKey ?? TEST_RECOVERY_KEY,
      now: clock.now,
      sleep: async () => {},
      hasher: options.hasher ?? fastArgon2,
      ...(options.settings ? { settings: options.settings } : {}),
    });
    await service.start();
  } catch (err) {
    await auth?.stop();
    for (const c of clients) await c.endAsync(true);
    await stack.close();
    throw err;
  }
  const runningAuth = auth;
  const running = service;
  const opened: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(c: T): T => {
    opened.push(c);
    return c;
  };

  const h: Harness = {
    stack,
    auth: runningAuth,
    service: running,
    clock,
    guest: async () => track(await connectGuest({ url: stack.url })),
    user: async (login, device = 'laptop') => track(await connectUser({ url: stack.url }, { username: login.username, token: login.token, device })),
    async register(username, password) {
      const g = await h.guest();
      await g.request('auth.register', { username, password });
      await g.close();
    },
    async login(username, password, device) {
      const g = await h.guest();
      const result = await g.request('auth.login', device === undefined ? { username, password } : { username, password, device });
      await g.close();
      return result;
    },
    async userWithQuestion(username, password, question, answer) {
      await h.register(username, password);
      const login = await h.login(username, password, 'setup');
      const conn = await h.user(login, 'setup');
      await conn.request('security.set', { question, answer, currentPassword: password });
      await conn.close();
      return login;
    },
    async asGuest(action, body) {
      const g = await h.guest();
      try {
        return await g.request(action, body as never);
      } finally {
        await g.close();
      }
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
    async snapshot() {
      const p = stack.db.prisma;
      const [users, sessions, questions, codes, events] = await Promise.all([
        p.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, passwordHash: true, updatedAt: true } }),
        p.session.findMany({ orderBy: { id: 'asc' }, select: { id: true, revokedAt: true } }),
        p.securityQuestion.findMany({ orderBy: { userId: 'asc' } }),
        p.recoveryCode.findMany({ orderBy: { id: 'asc' } }),
        p.accountEvent.count(),
      ]);
      return { users, sessions, questions, codes, events };
    },
    async close() {
      await Promise.allSettled(opened.splice(0).map((c) => forceClose(c)));
      await running.stop();
      await runningAuth.stop();
      await disconnectService(clients[1]!, 'security-questions').catch(() => clients[1]!.endAsync(true));
      await disconnectService(clients[0]!, 'auth').catch(() => clients[0]!.endAsync(true));
      await stack.close();
    },
  };
  return h;
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
      return JSON.parse((await reply).toString('utf8')) as RawReply;
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

/** The error a promise rejects with (fails the test when it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; retryAfter?: number }> {
  const outcome = await p.then(
    (value) => ({ resolved: value }),
    (err: unknown) => ({ rejected: err }),
  );
  if ('resolved' in outcome) throw new Error(`expected an error, got ${JSON.stringify(outcome.resolved)}`);
  return outcome.rejected as { code: string; message: string; retryAfter?: number };
}
