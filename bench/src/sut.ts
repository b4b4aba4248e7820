import path from 'node:path';
import { defaultDatabaseUrl, migrate, openDatabase, type Database } from '@tidings/db';
import { loadOrCreateServiceCredentials } from '@tidings/service-kit';
import { ROOT, exited, freePort, httpJson, sleep, spawnNode, tempDir, waitForPort, type Spawned } from './procs.js';

/**
 * The system under test: our broker and some services, each its own process started from its
 * built `dist/main.js` with the environment scripts/stack.mjs gives it — free loopback ports, a
 * temporary data directory, the database — and logging at `warn`.
 */

export type ServiceName = 'auth' | 'chat-store' | 'chat-query';

export interface SutOptions {
  /** Authentication and ACL on the broker (default true). Off needs no database. */
  auth?: boolean;
  services?: ServiceName[];
  /** Default: a fresh SQLite file in the temporary data directory. */
  databaseUrl?: string;
  /** Extra environment for the services (e.g. chat-store's send rate). */
  serviceEnv?: Record<string, string>;
  /** Skip migrating (the caller migrated and seeded). */
  migrated?: boolean;
}

export interface Sut {
  host: string;
  mqttPort: number;
  httpPort: number;
  dataDir: string;
  databaseUrl: string | undefined;
  broker: Spawned;
  services: Partial<Record<ServiceName, Spawned>>;
  /** Every process under test by name, for CPU and memory readings. */
  pids(): Record<string, number>;
  /** Opens the SUT's database from the runner (for seeding users and sessions). */
  openDb(): Promise<Database>;
  /**
   * Kills the broker with SIGKILL, waits `pauseMs`, and starts it again on the same ports;
   * resolves with the time (performance.now()) its MQTT port accepted connections again.
   */
  killAndRestartBroker(pauseMs: number): Promise<number>;
  stop(): Promise<void>;
}

/** A data directory and database for a SUT, prepared (and seeded) before it starts. */
export interface Prepared {
  dataDir: string;
  databaseUrl: string;
  remove(): Promise<void>;
}

export async function prepareData(databaseUrl?: string): Promise<Prepared> {
  const tmp = await tempDir('data');
  const url = databaseUrl ?? defaultDatabaseUrl(tmp.dir);
  await migrate(url);
  loadOrCreateServiceCredentials(tmp.dir);
  return { dataDir: tmp.dir, databaseUrl: url, remove: () => tmp.remove() };
}

export async function startSut(options: SutOptions & { prepared?: Prepared } = {}): Promise<Sut> {
  const auth = options.auth ?? true;
  const prepared = options.prepared ?? (auth || (options.services ?? []).length > 0 ? await prepareData(options.databaseUrl) : undefined);
  const tmp = prepared ? undefined : await tempDir('data');
  const dataDir = prepared?.dataDir ?? tmp!.dir;
  const databaseUrl = prepared?.databaseUrl;
  const host = '127.0.0.1';
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TIDINGS_HOST: host,
    TIDINGS_MQTT_PORT: String(mqttPort),
    TIDINGS_HTTP_PORT: String(httpPort),
    TIDINGS_DATA_DIR: dataDir,
    TIDINGS_LOG_LEVEL: 'warn',
    TIDINGS_LOG_FORMAT: 'json',
    TIDINGS_BROKER_AUTH: auth ? 'on' : 'off',
    TIDINGS_MAX_CONNECTS_PER_MINUTE: '0',
    NODE_ENV: 'production',
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;

  let broker = spawnNode('broker', path.join(ROOT, 'apps/broker/dist/main.js'), env);
  const services: Partial<Record<ServiceName, Spawned>> = {};
  const stop = async () => {
    await Promise.all(Object.values(services).map((s) => s.stop()));
    await broker.stop();
    await prepared?.remove();
    await tmp?.remove();
  };
  try {
    await waitForPort(httpPort, 20_000, broker);
    await waitForPort(mqttPort, 20_000, broker);
    for (const name of options.services ?? []) {
      services[name] = spawnNode(name, path.join(ROOT, 'apps', name, 'dist/main.js'), { ...env, ...options.serviceEnv });
    }
    const names = options.services ?? [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const health = (await httpJson(`http://${host}:${httpPort}/healthz`)) as { services?: Record<string, string> } | null;
      const missing = names.filter((n) => health?.services?.[n] !== 'up');
      if (missing.length === 0) break;
      for (const n of missing) {
        const s = services[n]!;
        if (exited(s.proc)) throw new Error(`${n} exited while starting:\n${s.tail.toString()}`);
      }
      if (Date.now() > deadline) throw new Error(`services not up after 30 s: ${missing.join(', ')}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host,
    mqttPort,
    httpPort,
    dataDir,
    databaseUrl,
    get broker() {
      return broker;
    },
    services,
    pids: () => ({ broker: broker.pid, ...Object.fromEntries(Object.entries(services).map(([k, s]) => [k, s.pid])) }),
    openDb: () => {
      if (!databaseUrl) throw new Error('this SUT has no database');
      return openDatabase(databaseUrl);
    },
    async killAndRestartBroker(pauseMs) {
      const gone = new Promise<void>((resolve) => broker.proc.once('exit', () => resolve()));
      broker.proc.kill('SIGKILL');
      await gone;
      await sleep(pauseMs);
      broker = spawnNode('broker', path.join(ROOT, 'apps/broker/dist/main.js'), env);
      await waitForPort(mqttPort, 20_000, broker);
      return performance.now();
    },
    stop,
  };
}
