import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultDatabaseUrl, migrate, openDatabase, type Database } from '@tidings/db';
import { guestClientId, serviceClientId, userClientId } from '@tidings/protocol';
import { createLogger, issueToken, loadOrCreateServiceCredentials, type Logger, type ServiceCredentials } from '@tidings/service-kit';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { onTestFinished } from 'vitest';
import { startBroker, type BrokerOptions, type RunningBroker } from '../src/index.js';

// The broker's own tests cannot use @tidings/testkit (it depends on this package), so this is
// the same setup in small: a migrated SQLite database in a temp dir and a broker on port 0.

export interface Harness {
  dir: string;
  db: Database;
  broker: RunningBroker;
  credentials: ServiceCredentials;
  logger: Logger;
  lines: () => string[];
}

export function captureLogger(): { logger: Logger; lines: () => string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'broker-test',
    level: 'trace',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines: () => [...lines] };
}

export interface HarnessSetup {
  /** Runs on the migrated database before the broker starts (rows the broker loads at start). */
  before?: (db: Database) => Promise<void>;
  /** The database the broker is given, made from the real one (e.g. one that counts queries). */
  brokerDb?: (db: Database) => Database;
}

/** A fresh broker and database, closed when the test finishes. */
export async function harness(options: Partial<BrokerOptions> = {}, setup: HarnessSetup = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tidings-broker-test-'));
  const url = defaultDatabaseUrl(dir);
  await migrate(url);
  const db = await openDatabase(url);
  const credentials = loadOrCreateServiceCredentials(dir);
  const { logger, lines } = captureLogger();
  let broker: RunningBroker;
  try {
    await setup.before?.(db);
    broker = await startBroker({
      host: '127.0.0.1',
      mqttPort: 0,
      httpPort: 0,
      logger,
      db: setup.brokerDb ? setup.brokerDb(db) : db,
      serviceCredentials: credentials,
      ...options,
      limits: { connectionAttemptsPerMinute: 0, ...options.limits },
    });
  } catch (err) {
    await db.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  onTestFinished(async () => {
    await broker.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, db, broker, credentials, logger, lines };
}

export async function createSession(
  db: Database,
  username: string,
  options: { expiresAt?: Date; revokedAt?: Date } = {},
): Promise<{ username: string; token: string; sessionId: string }> {
  const user = await db.prisma.user.upsert({
    where: { username },
    update: {},
    create: { id: randomUUID(), username, passwordHash: '!test' },
  });
  const { sessionId, token, tokenHash } = issueToken();
  await db.prisma.session.create({
    data: {
      id: sessionId,
      userId: user.id,
      tokenHash,
      expiresAt: options.expiresAt ?? new Date(Date.now() + 3600_000),
      revokedAt: options.revokedAt ?? null,
    },
  });
  return { username, token, sessionId };
}

export const randomGuestId = () => guestClientId(randomBytes(9).toString('base64url'));

/** An error from a refused connection: the CONNACK return code, or a closed socket. */
export class Refused extends Error {
  constructor(
    readonly returnCode: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Connects once (no reconnects); resolves when CONNACK accepted, rejects with Refused otherwise. Closed after the test. */
export function open(url: string, options: IClientOptions): Promise<MqttClient> {
  // 15 s: a loaded CI machine running several clusters on Redis answered a CONNECT in over 5 s once.
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 15_000, ...options });
  onTestFinished(() => client.endAsync(true));
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err: Error & { code?: number | string }) => reject(new Refused(typeof err.code === 'number' ? err.code : undefined, err.message)));
    client.once('close', () => reject(new Refused(undefined, 'connection closed before CONNACK')));
  });
}

export async function refusalOf(url: string, options: IClientOptions): Promise<number | undefined> {
  try {
    await open(url, options);
  } catch (err) {
    if (err instanceof Refused) return err.returnCode;
    throw err;
  }
  throw new Error('the connection was accepted');
}

export const asGuest = (url: string, clientId = randomGuestId(), extra: IClientOptions = {}) => open(url, { clientId, clean: true, ...extra });

export const asUser = (url: string, s: { username: string; token: string }, device = 'laptop', extra: IClientOptions = {}) =>
  open(url, { clientId: userClientId(s.username, device), username: s.username, password: s.token, clean: true, ...extra });

export const asService = (h: Pick<Harness, 'credentials' | 'broker'>, service: string, extra: IClientOptions = {}) =>
  open(h.broker.url, {
    clientId: serviceClientId(service, randomBytes(4).toString('hex')),
    username: `svc:${service}`,
    password: h.credentials[service]!,
    clean: true,
    ...extra,
  });

/** The QoS codes of one SUBACK, in the order of the filters (128 = refused). mqtt.js rejects on any 128. */
export async function grantsOf(client: MqttClient, filters: string[]): Promise<number[]> {
  const map = Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }]));
  try {
    const granted = await client.subscribeAsync(map);
    return filters.map((f) => granted.find((g) => g.topic === f)!.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}

/** The QoS the broker granted for one filter (128 = refused). */
export async function grantOf(client: MqttClient, filter: string): Promise<number> {
  return (await grantsOf(client, [filter]))[0]!;
}

/** Resolves when the client's connection has closed; fails the test if it stays open for `withinMs`. */
export function closed(client: MqttClient, withinMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the connection of ${client.options.clientId} stayed open`)), withinMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Collects messages arriving at a client; `next(topic)` waits for the next one on that topic. */
export function inbox(client: MqttClient) {
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  const waiters: { topic: string; resolve: (m: { topic: string; payload: string }) => void }[] = [];
  client.on('message', (topic, payload, packet) => {
    const m = { topic, payload: payload.toString('utf8'), retain: packet.retain };
    messages.push(m);
    const i = waiters.findIndex((w) => w.topic === topic);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
  });
  return {
    messages,
    next(topic: string): Promise<{ topic: string; payload: string }> {
      return new Promise((resolve) => waiters.push({ topic, resolve }));
    },
  };
}
