import { randomBytes } from 'node:crypto';
import { connectGuest, connectUser, type Connection } from '@tidings/client';
import { topics, type ResultOf } from '@tidings/protocol';
import type { MqttClient } from 'mqtt';
import type { Backend } from './backends.js';
import { rawClient, type RawClient, type RawReply } from './raw.js';
import { Seed } from './seed.js';
import { startServices, type ServiceFactories, type ServiceFactory, type ServicesOf, type TestServiceDeps } from './services.js';
import { createUserSession, startTestStack, type TestStack, type TestStackOptions } from './stack.js';
import type { RunnableService, ServiceName } from '@tidings/service-kit';

/** Who a signed-in connection is: a username (a session is made straight in the database) or a sign-in's result. */
export type SignedIn = string | { username: string; token: string };

export interface ServiceHarnessOptions<F extends ServiceFactories> {
  backend: Backend;
  /** The services under test, by name, started in this order and stopped in reverse. */
  services: F;
  /** More options for the test stack (its logger, the broker's clock and limits). */
  stack?: Omit<TestStackOptions, 'postgres'>;
}

/** A real broker and database with services running in-process, and connections to them that close with it. */
export interface ServiceHarness<F extends ServiceFactories> {
  stack: TestStack;
  /** The running services, by name. */
  services: ServicesOf<F>;
  /** Writes users, rooms and messages straight into the database. */
  seed: Seed;
  /** A guest connection through @tidings/client. */
  guest(): Promise<Connection>;
  /**
   * A signed-in connection as `<username>:<device>` (default device `laptop`) through
   * @tidings/client. Given a username, the user (if missing) and a fresh session are made in the
   * database, so no auth service is needed.
   */
  user(who: SignedIn, device?: string): Promise<Connection>;
  /** Registers through the auth service (which must be one of the services), on a guest connection of its own. */
  register(username: string, password: string): Promise<void>;
  /** Signs in through the auth service (which must be one of the services), on a guest connection of its own. */
  login(username: string, password: string, device?: string): Promise<ResultOf<'auth.login'>>;
  /** A raw mqtt.js guest (client id `g:<random>`) subscribed to its reply topic. */
  rawGuest(): Promise<RawClient>;
  /** A raw mqtt.js user connection (default device `raw`) subscribed to its reply topic. */
  rawUser(who: SignedIn, device?: string): Promise<RawClient>;
  /** Closes every connection made here, stops the services (reverse order), then closes the stack. */
  close(): Promise<void>;
}

/**
 * A real broker on port 0 with a temporary database (SQLite, or PostgreSQL for `backend:
 * 'postgres'`) and `services` connected with their real service credentials.
 */
export async function startServiceHarness<F extends ServiceFactories>(options: ServiceHarnessOptions<F>): Promise<ServiceHarness<F>> {
  const stack = await startTestStack({ ...options.stack, postgres: options.backend === 'postgres' });
  let started: Awaited<ReturnType<typeof startServices<F>>>;
  try {
    started = await startServices(stack, options.services);
  } catch (err) {
    await stack.close();
    throw err;
  }
  const running = started;
  const opened: (() => Promise<void>)[] = [];

  async function login(who: SignedIn): Promise<{ username: string; token: string }> {
    return typeof who === 'string' ? createUserSession(stack, who) : who;
  }
  async function connected(conn: Connection): Promise<Connection> {
    opened.push(async () => {
      conn.requester.cancelAll();
      await conn.client.endAsync(true);
    });
    return conn;
  }
  async function raw(clientId: string, auth: { username?: string; password?: string }): Promise<RawClient> {
    const r = await rawClient(stack.url, clientId, auth);
    opened.push(() => r.client.endAsync(true));
    return r;
  }
  /** One request on a guest connection of its own, closed after. */
  async function asGuest<R>(ask: (g: Connection) => Promise<R>): Promise<R> {
    const g = await harness.guest();
    try {
      return await ask(g);
    } finally {
      await g.close();
    }
  }

  let closing: Promise<void> | undefined;
  const harness: ServiceHarness<F> = {
    stack,
    services: running.services,
    seed: new Seed(stack.db),
    guest: async () => connected(await connectGuest({ url: stack.url })),
    async user(who, device = 'laptop') {
      const { username, token } = await login(who);
      return connected(await connectUser({ url: stack.url }, { username, token, device }));
    },
    async register(username, password) {
      await asGuest((g) => g.request('auth.register', { username, password }));
    },
    login: (username, password, device) =>
      asGuest((g) => g.request('auth.login', device === undefined ? { username, password } : { username, password, device })),
    rawGuest: () => raw(`g:${randomBytes(12).toString('base64url')}`, {}),
    async rawUser(who, device = 'raw') {
      const { username, token } = await login(who);
      return raw(`${username}:${device}`, { username, password: token });
    },
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled(opened.splice(0).map((close) => close()));
        await running.stop();
        await stack.close();
      })()),
  };
  return harness;
}

/** A raw mqtt.js connection of a signed-in user that addresses requests by action, on its own request topics. */
export interface RawUser {
  client: MqttClient;
  clientId: string;
  username: string;
  /** Publishes `payload` as is on this connection's request topic of `action` and resolves with the next reply. */
  send(action: string, payload: string | Buffer): Promise<RawReply>;
}

/** One service under test, whose users sign in without the auth service (sessions made in the database). */
export interface SingleServiceHarness<S extends RunnableService> {
  stack: TestStack;
  service: S;
  seed: Seed;
  /** A signed-in connection as `<username>:<device>` through @tidings/client (the user is created if missing). */
  user(username: string, device?: string): Promise<Connection>;
  /** A raw connection of a signed-in user, for payloads the typed client would never send. */
  rawUser(username: string, device?: string): Promise<RawUser>;
  close(): Promise<void>;
}

/** {@link startServiceHarness} for one service `name`, built by `create`, with users by name. */
export async function startSingleService<S extends RunnableService>(
  backend: Backend,
  name: ServiceName,
  create: ServiceFactory<S>,
): Promise<SingleServiceHarness<S>> {
  let service: S | undefined;
  const h = await startServiceHarness({ backend, services: { [name]: async (deps: TestServiceDeps) => (service = await create(deps)) } });
  if (!service) throw new Error(`${name} did not start`);
  return {
    stack: h.stack,
    service,
    seed: h.seed,
    user: (username, device) => h.user(username, device),
    async rawUser(username, device) {
      const raw = await h.rawUser(username, device);
      return { ...raw, username, send: (action, payload) => raw.send(topics.userRequest(raw.clientId, action), payload) };
    },
    close: () => h.close(),
  };
}
