import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { topics, userClientId } from '@tidings/protocol';
import {
  captureLogger,
  connectRaw,
  createUserSession,
  manualClock,
  startTestService,
  startTestStack,
  type Backend,
  type ManualClock,
  type TestService,
  type TestStack,
} from '@tidings/testkit';
import type { IClientOptions, MqttClient } from 'mqtt';
import { expect, vi } from 'vitest';
import { createPresence, type PresenceService } from '../src/service.js';
import type { PresenceSettings } from '../src/settings.js';

export { describeBackends, manualClock, type Backend, type ManualClock } from '@tidings/testkit';

/** One message as a subscriber received it. */
export interface Received {
  topic: string;
  json: unknown;
  qos: number;
  retain: boolean;
}

/** A raw MQTT connection that records what arrives on its subscriptions. */
export interface Recorder {
  client: MqttClient;
  username: string;
  clientId: string;
  /** Publishes a chat.typing request (QoS 0) as this connection; a string is sent as is. */
  type(body: { c: string } | Record<string, unknown> | string): Promise<void>;
  received: Received[];
  /** Resolves with the first recorded message (from `from` on) that matches, waiting up to `ms`. */
  next(match: (m: Received) => boolean, options?: { from?: number; ms?: number }): Promise<Received>;
  on(topic: string): Received[];
}

/** A signed-in device: a raw mqtt.js client that does what @tidings/client does for presence. */
export interface Device {
  client: MqttClient;
  clientId: string;
  /** Says `0` (retained), then closes cleanly (a clean DISCONNECT: no last will). */
  leave(): Promise<void>;
  /** Destroys the socket without DISCONNECT: the broker publishes the last will. */
  drop(): void;
  /** Publishes a raw payload (retained) on the device's own presence topic. */
  say(payload: string): Promise<void>;
}

export interface PresenceHarness {
  stack: TestStack;
  clock: ManualClock;
  service: PresenceService;
  /** Log lines of the presence service (JSON, level trace). */
  lines(): string[];
  /** Waits until `count` log lines have this `msg`. */
  logged(msg: string, count?: number): Promise<void>;
  user(username: string): Promise<{ username: string; token: string }>;
  device(username: string, device: string, options?: { keepalive?: number; via?: number }): Promise<Device>;
  /** A raw signed-in connection (no device presence) that subscribes to `filters` and records. */
  recorder(username: string, filters: string[]): Promise<Recorder>;
  /** Stops the presence service and closes its MQTT connection. */
  stopService(): Promise<void>;
  /** Starts a fresh presence service (new connection, empty memory) on the same broker and database. */
  startService(): Promise<void>;
  /** The service's own MQTT client (to cut its link in a test). */
  serviceClient(): MqttClient;
  /** Makes (or finds) a room and adds these members, straight in the database (chat-store's job in production). */
  room(name: string, members: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  settings?: Partial<PresenceSettings>;
}

/** Settings that keep tests short: a short settle period, quick database writes. */
export const TEST_SETTINGS: Partial<PresenceSettings> = { settleMs: 300, flushDelayMs: 10, retryDelayMs: 50 };

/**
 * A real broker on port 0 with a temporary database (testkit) and the presence service connected
 * with its real service credentials; a manual clock; the service's log kept in memory.
 */
export async function startPresence(backend: Backend, options: HarnessOptions = {}): Promise<PresenceHarness> {
  const clock = manualClock();
  const capture = captureLogger('presence');
  const stack = await startTestStack({ postgres: backend === 'postgres' });
  const opened: (() => Promise<void>)[] = [];
  const settings = { ...TEST_SETTINGS, ...options.settings };
  let running: TestService<PresenceService> | undefined;

  async function startService(): Promise<void> {
    running = await startTestService(stack, 'presence', (deps) => createPresence({ ...deps, now: clock.now, settings }), { logger: capture.logger });
  }

  async function stopService(): Promise<void> {
    const r = running;
    running = undefined;
    await r?.stop();
  }

  try {
    await startService();
  } catch (err) {
    // startTestService closed the service's connection itself.
    await stack.close();
    throw err;
  }

  const tokens = new Map<string, string>();
  const harness: PresenceHarness = {
    stack,
    clock,
    get service() {
      if (!running) throw new Error('the presence service is stopped');
      return running.service;
    },
    lines: capture.lines,
    async logged(msg, count = 1) {
      await vi.waitFor(
        () => {
          const n = capture.lines().filter((l) => (JSON.parse(l) as { msg?: string }).msg === msg).length;
          if (n < count) throw new Error(`logged "${msg}" ${n} times, waiting for ${count}`);
        },
        { timeout: 15_000, interval: 10 },
      );
    },
    async user(username) {
      let token = tokens.get(username);
      if (!token) {
        token = (await createUserSession(stack, username)).token;
        tokens.set(username, token);
      }
      return { username, token };
    },
    async device(username, device, opts = {}) {
      const { token } = await harness.user(username);
      const clientId = userClientId(username, device);
      const topic = topics.devicePresence(username, clientId);
      const url = opts.via === undefined ? stack.url : `mqtt://127.0.0.1:${opts.via}`;
      const client = await rawConnect(url, {
        clientId,
        username,
        password: token,
        keepalive: opts.keepalive ?? 30,
        will: { topic, payload: Buffer.from('0'), qos: 1, retain: true },
      });
      opened.push(() => client.endAsync(true));
      await client.publishAsync(topic, '1', { qos: 1, retain: true });
      return {
        client,
        clientId,
        async leave() {
          await client.publishAsync(topic, '0', { qos: 1, retain: true });
          await client.endAsync();
        },
        drop() {
          client.stream.destroy();
        },
        async say(payload) {
          await client.publishAsync(topic, payload, { qos: 1, retain: true });
        },
      };
    },
    async recorder(username, filters) {
      const { token } = await harness.user(username);
      const clientId = userClientId(username, `rec-${randomUUID().slice(0, 8)}`);
      const client = await rawConnect(stack.url, { clientId, username, password: token });
      opened.push(() => client.endAsync(true));
      const received: Received[] = [];
      const waiters = new Set<() => void>();
      client.on('message', (topic, payload, packet) => {
        let json: unknown;
        try {
          json = JSON.parse(payload.toString('utf8'));
        } catch {
          json = payload.toString('utf8');
        }
        received.push({ topic, json, qos: packet.qos, retain: packet.retain });
        for (const w of waiters) w();
      });
      if (filters.length > 0) {
        // mqtt.js rejects when the broker answers a subscription with 0x80.
        const granted = await client.subscribeAsync(filters, { qos: 1 }).catch((err: Error) => {
          throw new Error(`the broker refused ${username} a subscription to ${filters.join(', ')}: ${err.message}`);
        });
        for (const g of granted) if (g.qos === 128) throw new Error(`the broker refused ${username} a subscription to ${g.topic}`);
      }
      return {
        client,
        username,
        clientId,
        async type(body) {
          const payload = typeof body === 'string' ? body : JSON.stringify(body);
          await client.publishAsync(topics.userRequest(clientId, 'chat.typing'), payload, { qos: 0 });
        },
        received,
        on: (topic) => received.filter((m) => m.topic === topic),
        next(match, { from = 0, ms = 15_000 } = {}) {
          return new Promise((resolve, reject) => {
            const check = () => {
              const found = received.slice(from).find(match);
              if (!found) return false;
              waiters.delete(check);
              clearTimeout(timer);
              resolve(found);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`no matching message within ${ms} ms; received: ${JSON.stringify(received.slice(from))}`));
            }, ms);
            waiters.add(check);
            check();
          });
        },
      };
    },
    stopService,
    startService,
    serviceClient() {
      if (!running) throw new Error('the presence service is stopped');
      return running.client;
    },
    async room(name, members) {
      const prisma = stack.db.prisma;
      // `general` exists from the first migration; other rooms are made here.
      const { id } = await prisma.conversation.upsert({
        where: { name },
        update: {},
        create: { id: randomUUID(), kind: 'room', name },
      });
      for (const username of members) {
        await harness.user(username);
        const user = await prisma.user.findUniqueOrThrow({ where: { username } });
        await prisma.membership.create({ data: { conversationId: id, userId: user.id } });
      }
    },
    async close() {
      await Promise.allSettled(opened.splice(0).map((close) => close()));
      await stopService();
      await stack.close();
    },
  };
  return harness;
}

/** testkit's raw client, giving up on a connection after 5 s. */
export function rawConnect(url: string, options: IClientOptions): Promise<MqttClient> {
  return connectRaw(url, { connectTimeout: 5000, ...options });
}

/** The presence events (`t/p/<username>`) a recorder has received (from index `from` on), oldest first. */
export function presenceOf(rec: Recorder, username: string, from = 0): { on: boolean; at: number }[] {
  return rec.received
    .slice(from)
    .filter((m) => m.topic === topics.presence(username))
    .map((m) => m.json as { on: boolean; at: number });
}

/** Waits until the user's row says `online` (writes are batched, so they land a moment later). */
export async function expectRow(h: PresenceHarness, username: string, expected: { online: boolean; lastSeenAt?: Date | null }): Promise<void> {
  await vi.waitFor(
    async () => {
      const row = await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username }, select: { online: true, lastSeenAt: true } });
      expect(row.online).toBe(expected.online);
      if (expected.lastSeenAt !== undefined) expect(row.lastSeenAt).toEqual(expected.lastSeenAt);
    },
    { timeout: 15_000, interval: 20 },
  );
}

/**
 * A TCP relay in front of the broker that can go silent: after `freeze()` it forwards nothing
 * and closes nothing, like a link that dropped without a word (no FIN, no RST). Only the
 * broker's keepalive can notice.
 */
export async function silentLink(targetPort: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    inbound.on('data', (d) => void (frozen || outbound.write(d)));
    outbound.on('data', (d) => void (frozen || inbound.write(d)));
    inbound.on('close', () => void (frozen || outbound.destroy()));
    outbound.on('close', () => void (frozen || inbound.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    freeze() {
      frozen = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
