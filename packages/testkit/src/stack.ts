import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBroker, type BrokerOptions, type RunningBroker } from '@tidings/broker';
import { defaultDatabaseUrl, migrate, openDatabase, type Database } from '@tidings/db';
import {
  componentLogger,
  connectService,
  createLogger,
  issueToken,
  loadOrCreateServiceCredentials,
  type Logger,
  type ServiceCredentials,
} from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import { createTempPostgresDatabase, type TempPostgresDatabase } from './db-faults.js';

/**
 * Test helpers: a real broker on port 0, a migrated temporary database and the service
 * credentials, all in a fresh temporary directory that `close()` removes.
 */

export interface TestStackOptions {
  /**
   * Use PostgreSQL when TEST_POSTGRES_URL is set (else SQLite): a fresh `?schema=t_<random>`,
   * dropped on close; or with `'own-database'` a database of its own (CREATE DATABASE, dropped on
   * close), for tests that change database-level settings (see {@link TestStack.pgDatabase}).
   */
  postgres?: boolean | 'own-database';
  /** Logger for the broker (default: silent, or the level in TIDINGS_TEST_LOG_LEVEL). */
  logger?: Logger;
  /**
   * Extra broker options (TLS, limits, auth, clock, static files…). The connection-attempt cap
   * is off by default here, since a test file connects many clients from 127.0.0.1; pass
   * `limits: { connectionAttemptsPerMinute: n }` to test it.
   */
  broker?: Partial<Omit<BrokerOptions, 'logger' | 'db' | 'serviceCredentials'>>;
}

export interface TestStack {
  dataDir: string;
  dbUrl: string;
  db: Database;
  broker: RunningBroker;
  /** mqtt://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port>/mqtt */
  wsUrl: string;
  credentials: ServiceCredentials;
  logger: Logger;
  /** With `postgres: 'own-database'`: the database, to make it read-only or cut its connections. */
  pgDatabase?: TempPostgresDatabase;
  /** Closes the broker and the database, drops the PostgreSQL schema, removes the data dir. */
  close(): Promise<void>;
}

export interface TestSession {
  username: string;
  token: string;
  sessionId: string;
}

/** A logger for tests: silent unless TIDINGS_TEST_LOG_LEVEL names a level. */
export function testLogger(name = 'test'): Logger {
  const level = process.env.TIDINGS_TEST_LOG_LEVEL || 'silent';
  return createLogger({ name, level });
}

let skipNoticePrinted = false;

/** The PostgreSQL URL for tests, or undefined (printing once why PostgreSQL tests are skipped). */
export function postgresUrlOrSkip(): string | undefined {
  const url = process.env.TEST_POSTGRES_URL;
  if (url) return url;
  if (!skipNoticePrinted) {
    skipNoticePrinted = true;
    console.log('skipping PostgreSQL tests: TEST_POSTGRES_URL is unset');
  }
  return undefined;
}

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

/** Starts a broker on port 0 with a migrated temporary database (see {@link TestStackOptions}); close() undoes it all. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tidings-test-'));
  const logger = options.logger ?? testLogger();
  const pgUrl = options.postgres ? process.env.TEST_POSTGRES_URL : undefined;
  const ownDatabase = pgUrl && options.postgres === 'own-database';
  const schema = pgUrl && !ownDatabase ? `t_${randomBytes(6).toString('hex')}` : undefined;
  let dbUrl = pgUrl && schema ? withSchema(pgUrl, schema) : defaultDatabaseUrl(dataDir);

  let db: Database | undefined;
  let broker: RunningBroker | undefined;
  let pgDatabase: TempPostgresDatabase | undefined;
  const cleanup = async () => {
    await broker?.close();
    if (db) {
      if (schema) await db.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await db.close();
    }
    await pgDatabase?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    if (ownDatabase) {
      pgDatabase = await createTempPostgresDatabase(pgUrl);
      dbUrl = pgDatabase.url;
    }
    await migrate(dbUrl);
    db = await openDatabase(dbUrl);
    const credentials = loadOrCreateServiceCredentials(dataDir);
    const extra = options.broker ?? {};
    broker = await startBroker({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: 0,
      ...extra,
      limits: { connectionAttemptsPerMinute: 0, ...extra.limits },
      logger,
      db,
      serviceCredentials: credentials,
    });
    let closing: Promise<void> | undefined;
    return {
      dataDir,
      dbUrl,
      db,
      broker,
      url: broker.url,
      wsUrl: broker.wsUrl,
      credentials,
      logger,
      ...(pgDatabase ? { pgDatabase } : {}),
      close: () => (closing ??= cleanup()),
    };
  } catch (err) {
    await cleanup().catch(() => {});
    throw err;
  }
}

/** Connects as a service (its real credentials, retained health, last will), like a service's main does. */
export function connectServiceClient(stack: Pick<TestStack, 'url' | 'credentials' | 'logger'>, service: string): Promise<MqttClient> {
  const secret = stack.credentials[service];
  if (secret === undefined) throw new Error(`no credentials for service ${service}`);
  return connectService({ url: stack.url, service, secret, logger: componentLogger(stack.logger, service) });
}

/**
 * A signed-in user without the auth service: inserts the user (with an unusable password hash)
 * if missing and a session; returns the token to connect with as `<username>:<device>`.
 */
export async function createUserSession(
  stack: Pick<TestStack, 'db'>,
  username: string,
  options: { expiresAt?: Date; device?: string } = {},
): Promise<TestSession> {
  const prisma = stack.db.prisma;
  const user = await prisma.user.upsert({
    where: { username },
    update: {},
    create: { id: randomUUID(), username, passwordHash: '!test-user-without-password' },
  });
  const { sessionId, token, tokenHash } = issueToken();
  await prisma.session.create({
    data: {
      id: sessionId,
      userId: user.id,
      tokenHash,
      device: options.device ?? null,
      expiresAt: options.expiresAt ?? new Date(Date.now() + 24 * 3600_000),
    },
  });
  return { username, token, sessionId };
}

/** A logger that keeps its JSON lines in memory, to assert what was (and was not) logged. */
export function captureLogger(name = 'test'): { logger: Logger; lines(): string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    name,
    level: 'trace',
    destination: { write: (line: string) => void lines.push(line.trimEnd()) },
  });
  return { logger, lines: () => [...lines] };
}
