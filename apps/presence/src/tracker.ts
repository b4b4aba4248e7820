import type { Database } from '@tidings/db';
import { topics, type PresenceEvent } from '@tidings/protocol';
import { componentLogger, type Logger } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import { DeviceMap, parseDeviceMessage, type DeviceReport } from './devices.js';
import type { PresenceSettings } from './settings.js';
import { PresenceWriter } from './writer.js';

export interface PresenceTrackerDeps {
  client: MqttClient;
  db: Database;
  logger: Logger;
  now: () => number;
  settings: PresenceSettings;
}

export interface PresenceTracker {
  /** Subscribes to the device topics and starts the first rebuild. */
  start(): Promise<void>;
  /** Stops listening, finishes the updates in hand and writes the pending rows. */
  stop(): Promise<void>;
}

/**
 * Follows every device's retained presence (`t/d/<username>/<clientId>`: `1` while connected,
 * `0` as its last will) and keeps, per user, the set of connected devices. When a user's
 * aggregated state changes it publishes the retained `t/p/<username>` and queues the database
 * write (User.online, User.lastSeenAt).
 *
 * Each (re)connection to the broker starts an epoch: the device map is rebuilt from the retained
 * device messages the broker sends on (re)subscribing, and after `settleMs` every user still
 * marked online (in the database or by this process) with no connected device is set offline.
 * Updates are applied one at a time, in the order they arrived.
 */
export function createPresenceTracker(deps: PresenceTrackerDeps): PresenceTracker {
  const { client, db, now, settings } = deps;
  const logger = componentLogger(deps.logger, 'presence');
  const writer = new PresenceWriter(db, logger, settings);
  const devices = new DeviceMap();
  /** What this process last published for each user. */
  const published = new Map<string, PresenceEvent>();
  /** Usernames with a User row (a user is never deleted while connected; a stale entry costs a no-op write). */
  const knownUsers = new Set<string>();
  let epoch = 0;
  let settleTimer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let running = false;
  let stopped = false;

  function enqueue(task: () => Promise<void>): void {
    chain = chain.then(task).catch((err: unknown) => logger.error({ err }, 'presence update failed'));
  }

  async function userExists(username: string): Promise<boolean> {
    if (knownUsers.has(username)) return true;
    const row = await db.prisma.user.findUnique({ where: { username }, select: { id: true } });
    if (row) knownUsers.add(username);
    return row !== null;
  }

  function announce(username: string, on: boolean): void {
    const at = now();
    const before = published.get(username);
    // A rebuild finds an online user online again: keep the time they came online.
    const event: PresenceEvent = on && before?.on ? before : { on, at };
    published.set(username, event);
    client.publish(topics.presence(username), JSON.stringify(event), { qos: 1, retain: true }, (err) => {
      if (err) logger.warn({ err, user: username }, 'could not publish presence');
    });
    writer.set(username, on ? { online: true } : { online: false, lastSeenAt: new Date(at) });
    logger.debug({ user: username, on }, 'presence changed');
  }

  async function apply(report: DeviceReport, inEpoch: number): Promise<void> {
    if (!(await userExists(report.username))) {
      logger.debug({ user: report.username }, 'ignored the device of an unknown user');
      return;
    }
    if (inEpoch !== epoch) return; // reported before a reconnect: the rebuild supersedes it
    const transition = devices.set(report);
    logger.trace({ user: report.username, clientId: report.clientId, connected: report.connected }, 'device report');
    if (transition) announce(report.username, transition === 'on');
  }

  async function reconcile(inEpoch: number): Promise<void> {
    const rows = await db.prisma.user.findMany({ where: { online: true }, select: { username: true } });
    if (inEpoch !== epoch || !running) return;
    const candidates = new Set(rows.map((r) => r.username));
    for (const [username, event] of published) if (event.on) candidates.add(username);
    let setOffline = 0;
    for (const username of candidates) {
      if (devices.isOnline(username) || published.get(username)?.on === false) continue;
      announce(username, false);
      setOffline++;
    }
    logger.info({ online: devices.onlineUsers().length, setOffline }, 'presence rebuilt from the device topics');
  }

  /** A (re)connection: forget the device map; the broker resends every retained device state. */
  function beginEpoch(): void {
    epoch++;
    devices.clear();
    if (settleTimer) clearTimeout(settleTimer);
    const inEpoch = epoch;
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      enqueue(() => reconcile(inEpoch));
    }, settings.settleMs);
  }

  function onMessage(topic: string, payload: Buffer): void {
    if (!running) return;
    const parsed = parseDeviceMessage(topic, payload);
    if (parsed === null) return; // not a device topic (requests are the dispatcher's)
    if (!parsed.ok) {
      logger.debug({ topic, reason: parsed.reason }, 'ignored a device presence message');
      return;
    }
    const inEpoch = epoch;
    enqueue(() => apply(parsed.report, inEpoch));
  }

  function onConnect(): void {
    if (!running) return;
    logger.info('reconnected: rebuilding presence from the device topics');
    beginEpoch();
  }

  return {
    async start() {
      if (running || stopped) throw new Error('the presence tracker was already started');
      running = true;
      client.on('message', onMessage);
      client.on('connect', onConnect);
      beginEpoch();
      await client.subscribeAsync(topics.devicePresenceFilter, { qos: 1 });
    },
    async stop() {
      if (!running) return;
      running = false;
      stopped = true;
      if (settleTimer) clearTimeout(settleTimer);
      settleTimer = undefined;
      client.off('message', onMessage);
      client.off('connect', onConnect);
      if (client.connected) await client.unsubscribeAsync(topics.devicePresenceFilter).catch(() => {});
      await chain;
      await writer.close();
    },
  };
}
