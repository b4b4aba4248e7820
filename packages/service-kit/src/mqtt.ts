import { randomBytes } from 'node:crypto';
import { useBackoff, useNoDelay } from '@tidings/client';
import { serviceClientId, topics, type ServiceHealth } from '@tidings/protocol';
import { connect, type MqttClient, type IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import { serviceUsername } from './credentials.js';

export interface ServiceConnectionOptions {
  url: string;
  service: string;
  secret: string;
  logger: Logger;
  mqtt?: IClientOptions;
  /** Reconnect delays (default {@link SERVICE_RECONNECT}). */
  reconnect?: { baseMs: number; maxMs: number };
  /** When the broker connection counts as failing (default {@link BROKER_HEALTH}). */
  health?: BrokerHealth;
  /**
   * Called once when the broker connection keeps failing (see {@link BrokerHealth}); a service
   * process exits with status 1 so that its supervisor starts it afresh (runService). Without it
   * the failure is only logged.
   */
  onUnhealthy?: (why: string) => void;
}

/**
 * When a service's broker connection counts as failing: `maxDrops` connections within `windowMs`
 * that reached the broker (the TCP connection was made) and were closed before they had lasted
 * `stableMs`. That is what a service meets when the broker closes it for something it sends again
 * after every reconnect (a packet over the broker's limit, queued at QoS 1 — mqtt.js sends it right
 * after CONNECT, so the broker closes it before any CONNACK): reconnecting never heals it, a fresh
 * process does. A broker that is down or restarting is not counted: a connection that had lasted
 * is not a drop, nor is an attempt that never reached a broker. `maxDrops: 0` never gives up.
 * TIDINGS_BROKER_DROPS_MAX / TIDINGS_BROKER_DROPS_WINDOW_MS / TIDINGS_BROKER_STABLE_MS change it.
 */
export interface BrokerHealth {
  maxDrops: number;
  windowMs: number;
  stableMs: number;
}

export const BROKER_HEALTH: Readonly<BrokerHealth> = Object.freeze({ maxDrops: 5, windowMs: 60_000, stableMs: 10_000 });

/** Counts short-lived broker connections (see {@link BrokerHealth}); pure, with an injected clock. */
export class ConnectionDrops {
  readonly #health: BrokerHealth;
  readonly #now: () => number;
  #connectedAt: number | undefined;
  #drops: number[] = [];

  constructor(health: BrokerHealth, now: () => number = Date.now) {
    this.#health = health;
    this.#now = now;
  }

  /** This connection reached the broker (its TCP connection was made, or a CONNACK came); once per connection. */
  reached(): void {
    this.#connectedAt ??= this.#now();
  }

  /** A connection closed (or an attempt failed); true when the connection now counts as failing. */
  closed(): boolean {
    const at = this.#connectedAt;
    this.#connectedAt = undefined;
    if (at === undefined) return false; // an attempt that never reached a broker: it is away, not refusing us
    const now = this.#now();
    if (now - at >= this.#health.stableMs) return false;
    this.#drops = this.#drops.filter((t) => now - t < this.#health.windowMs);
    this.#drops.push(now);
    return this.#health.maxDrops > 0 && this.#drops.length >= this.#health.maxDrops;
  }

  /** Short-lived connections within the window (tests, logs). */
  get recent(): number {
    return this.#drops.length;
  }
}

/**
 * How a service reconnects to the broker: the first delay at most 200 ms, doubling up to 1 s,
 * full jitter. A service talks to its broker on loopback or a LAN, where a broker that is back
 * is reachable at once, so the cap is short: after a broker restart every service is serving
 * again within about a second (clients' links are another matter: they keep @tidings/client's
 * longer defaults). TIDINGS_RECONNECT_BASE_MS / TIDINGS_RECONNECT_MAX_MS change it.
 */
export const SERVICE_RECONNECT = { baseMs: 200, maxMs: 1000 } as const;

/**
 * mqtt.js's own debug log for a service client: left to mqtt.js (the `debug` package) only when
 * `DEBUG` asks for it (`DEBUG=mqttjs*`). Otherwise a no-op: a disabled `debug` logger still
 * allocates an array for its arguments on every call, and mqtt.js makes several per packet —
 * about 7 % of everything chat-store allocated under the end-to-end benchmark.
 */
export function mqttDebugLog(env: NodeJS.ProcessEnv = process.env): IClientOptions['log'] {
  return env.DEBUG?.includes('mqttjs') ? undefined : noLog;
}

function noLog(): void {}

function debugLogOption(): Pick<IClientOptions, 'log'> {
  const log = mqttDebugLog();
  return log ? { log } : {};
}

/**
 * Connects a service to the broker: service credentials, a clean session, reconnects with a short
 * backoff ({@link SERVICE_RECONNECT}) — re-subscribing (mqtt.js `resubscribe`) and announcing `up`
 * again each time — a retained `up` on its health topic once serving and `down` as its last will.
 */
export async function connectService(options: ServiceConnectionOptions): Promise<MqttClient> {
  const { service, logger } = options;
  const healthTopic = topics.serviceHealth(service);
  const down: ServiceHealth = { status: 'down', service };
  const client = connect(options.url, {
    protocolVersion: 4,
    clientId: serviceClientId(service, randomBytes(6).toString('base64url')),
    username: serviceUsername(service),
    password: options.secret,
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    will: { topic: healthTopic, payload: Buffer.from(JSON.stringify(down)), qos: 1, retain: true },
    ...debugLogOption(),
    ...options.mqtt,
  });
  useBackoff(client, options.reconnect ?? SERVICE_RECONNECT);
  useNoDelay(client);
  const startedAt = Date.now();
  const up: ServiceHealth = { status: 'up', service, startedAt };
  const announce = () => client.publish(healthTopic, JSON.stringify(up), { qos: 1, retain: true });
  readiness.set(client, { ready: false, announce });
  const health = options.health ?? BROKER_HEALTH;
  const drops = new ConnectionDrops(health);
  let unhealthy = false;
  client.on('close', () => {
    if (!drops.closed() || unhealthy) return;
    unhealthy = true;
    const why = `the broker closed ${drops.recent} connections within ${health.windowMs} ms, each before it had lasted ${health.stableMs} ms`;
    logger.error({ drops: drops.recent, windowMs: health.windowMs, stableMs: health.stableMs }, 'broker connection keeps failing: unhealthy');
    options.onUnhealthy?.(why);
  });
  // The TCP connection of each attempt (mqtt.js makes a new stream, then writes CONNECT on it).
  client.on('packetsend', (packet) => {
    if (packet.cmd !== 'connect') return;
    const stream = client.stream as { once?: (event: string, listener: () => void) => unknown } | undefined;
    stream?.once?.('connect', () => drops.reached());
  });
  client.on('connect', () => {
    drops.reached();
    logger.info({ url: options.url }, 'connected to the broker');
    // After a reconnect the last will has said `down`: say `up` again, once serving.
    if (readiness.get(client)?.ready) announce();
  });
  client.on('reconnect', () => logger.debug('reconnecting to the broker'));
  client.on('offline', () => logger.warn('lost the broker connection'));
  client.on('error', (err) => logger.warn({ err }, 'broker connection error'));
  await new Promise<void>((resolve, reject) => {
    const onConnect = () => {
      client.off('error', onError);
      resolve();
    };
    const onError = (err: Error & { code?: unknown }) => {
      // A refused CONNACK will not heal by retrying: stop and say so.
      if (err.code === 4 || err.code === 5) {
        client.off('connect', onConnect);
        client.end(true);
        reject(new Error(`the broker refused the ${service} service's credentials (check TIDINGS_SERVICE_SECRET / the data directory)`));
      }
    };
    client.once('connect', onConnect);
    client.on('error', onError);
  });
  return client;
}

const readiness = new WeakMap<MqttClient, { ready: boolean; announce: () => void }>();

/**
 * Publishes the retained `up` once the service really serves (its request subscriptions are
 * in place), and again after every reconnect. `createRpcServer().start()` calls it; a client
 * that is not a service connection is left alone.
 */
export function markServiceReady(client: MqttClient): void {
  const state = readiness.get(client);
  if (!state || state.ready) return;
  state.ready = true;
  if (client.connected) state.announce();
}

/**
 * Marks the service down (retained) and closes the connection. QoS 1 publishes still waiting
 * for a broker that is gone would keep mqtt.js waiting forever: after `graceMs` the close is forced.
 */
export async function disconnectService(client: MqttClient, service: string, graceMs = 3000): Promise<void> {
  const down: ServiceHealth = { status: 'down', service };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const forced = new Promise<void>((resolve) => {
    timer = setTimeout(() => client.end(true, {}, () => resolve()), graceMs);
  });
  const graceful = (async () => {
    if (client.connected) await client.publishAsync(topics.serviceHealth(service), JSON.stringify(down), { qos: 1, retain: true }).catch(() => {});
    await client.endAsync();
  })();
  await Promise.race([graceful, forced]);
  clearTimeout(timer);
}
