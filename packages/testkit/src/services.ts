import type { Database } from '@tidings/db';
import { disconnectService, type Logger, type RunnableService, type ServiceName } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import { connectServiceClient, type TestStack } from './stack.js';

/** What a service factory gets in a test: the collaborators its `main` would pass. */
export interface TestServiceDeps {
  client: MqttClient;
  db: Database;
  logger: Logger;
}

/** Builds one service from its collaborators, e.g. `(deps) => createLikes(deps)`. */
export type ServiceFactory<S extends RunnableService = RunnableService> = (deps: TestServiceDeps) => S | Promise<S>;

/** A service running in-process on a test stack, on its own service connection. */
export interface TestService<S extends RunnableService = RunnableService> {
  name: ServiceName;
  service: S;
  /** The service's own MQTT connection (its real credentials, retained health, last will). */
  client: MqttClient;
  /** Stops the service (graceful), then closes its connection (retained `down`). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Connects as service `name` with its real credentials (as its `main` does), builds the service
 * with `create` and starts it. `logger` (default: the stack's) goes to the connection and the
 * service. When building or starting fails, the connection is closed and the error thrown.
 */
export async function startTestService<S extends RunnableService>(
  stack: Pick<TestStack, 'url' | 'credentials' | 'logger' | 'db'>,
  name: ServiceName,
  create: ServiceFactory<S>,
  options: { logger?: Logger } = {},
): Promise<TestService<S>> {
  const logger = options.logger ?? stack.logger;
  const client = await connectServiceClient({ url: stack.url, credentials: stack.credentials, logger }, name);
  let service: S;
  try {
    service = await create({ client, db: stack.db, logger });
    await service.start();
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }
  const running = service;
  let stopping: Promise<void> | undefined;
  return {
    name,
    service: running,
    client,
    stop: () =>
      (stopping ??= (async () => {
        await running.stop();
        await disconnectService(client, name).catch(() => client.endAsync(true));
      })()),
  };
}

/** Factories by service name; {@link startServices} starts them in this order. */
export type ServiceFactories = Partial<Record<ServiceName, ServiceFactory>>;

/** The running services of {@link startServices}, by name, each typed as its factory returns it. */
export type ServicesOf<F extends ServiceFactories> = { [K in keyof F]: F[K] extends ServiceFactory<infer S> ? S : never };

export interface RunningServices<F extends ServiceFactories> {
  services: ServicesOf<F>;
  /** Each service with its connection, in start order. */
  running: TestService[];
  /** Stops the services in reverse start order (each service, then its connection). */
  stop(): Promise<void>;
}

/**
 * Starts several services on one stack, in the order of `factories` (e.g. auth before a service
 * whose tests sign in through it). When one fails to start, those already running are stopped.
 */
export async function startServices<F extends ServiceFactories>(
  stack: Pick<TestStack, 'url' | 'credentials' | 'logger' | 'db'>,
  factories: F,
  options: { logger?: Logger } = {},
): Promise<RunningServices<F>> {
  const running: TestService[] = [];
  const stopAll = async () => {
    for (const r of running.slice().reverse()) await r.stop();
  };
  try {
    for (const [name, create] of Object.entries(factories) as [ServiceName, ServiceFactory | undefined][]) {
      if (create) running.push(await startTestService(stack, name, create, options));
    }
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
  const services = Object.fromEntries(running.map((r) => [r.name, r.service])) as ServicesOf<F>;
  return { services, running, stop: stopAll };
}
