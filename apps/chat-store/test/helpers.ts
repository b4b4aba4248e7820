import { randomBytes } from 'node:crypto';
import { connectUser, type Connection } from '@tidings/client';
import { ConversationEvent, topics, type Action, type ErrorBody } from '@tidings/protocol';
import type { Logger } from '@tidings/service-kit';
import {
  connectRaw,
  createUserSession,
  startTestService,
  startTestStack,
  type Backend,
  type TestService,
  type TestSession,
  type TestStack,
} from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { createChatStore, type ChatStore, type ChatStoreDeps } from '../src/service.js';
import type { ChatStoreSettings } from '../src/settings.js';

export { describeBackends, manualClock, type Backend, type ManualClock } from '@tidings/testkit';

export interface ChatHarnessOptions {
  settings?: Partial<ChatStoreSettings>;
  /** The service's clock (default: the real one). */
  now?: () => number;
  logger?: Logger;
  /** Where the send rate limit counts (default: each chat-store's own memory). */
  limits?: ChatStoreDeps['limits'];
}

export type Reply = { id: string | null; r?: unknown; e?: ErrorBody };

/** A raw mqtt.js user connection: sends payloads as given and reads replies by id or in order. */
export interface RawUser {
  client: MqttClient;
  clientId: string;
  username: string;
  /** The request topic of an action for this connection. */
  topic(action: Action): string;
  /** Publishes `payload` as is and resolves with the next reply that carries no id we wait for (bad input). */
  send(topic: string, payload: string | Buffer): Promise<Reply>;
  /** Publishes `{id, ...body}` on the action's topic and resolves with the next reply carrying `id`. */
  call(action: Action, id: string, body: Record<string, unknown>, timeoutMs?: number): Promise<Reply>;
  /** Publishes without waiting for anything (the reply still goes to `call` waiters of that id, if any). */
  publish(action: Action, id: string, body: Record<string, unknown>): Promise<void>;
}

/** Live events received on one topic. */
export interface EventLog {
  events: ConversationEvent[];
  /** Resolves when `count` events matching `match` have arrived (rejects after `ms`). */
  waitFor(match: (e: ConversationEvent) => boolean, count?: number, ms?: number): Promise<ConversationEvent[]>;
}

export interface ChatHarness {
  stack: TestStack;
  service: ChatStore;
  /** Signs `username` in (creating the user if needed) and connects a device through @tidings/client. */
  user(username: string, device?: string): Promise<Connection>;
  /** The same user as a raw mqtt.js client (clean session). */
  raw(username: string, device?: string): Promise<RawUser>;
  /** Subscribes a connection to a topic and collects the events on it. */
  watch(conn: { client: MqttClient }, topic: string): Promise<EventLog>;
  /** Stops the running chat-store (graceful) and starts a fresh one on the same database. */
  restart(options?: { settings?: Partial<ChatStoreSettings>; now?: () => number }): Promise<ChatStore>;
  /** Stops the running chat-store without starting another. */
  stopService(): Promise<void>;
  /**
   * Like a crash: the running chat-store loses its broker connection at once (replies not yet
   * sent are lost; a batch being written may still commit) and a fresh one starts on the same
   * database. The old one is stopped at close().
   */
  crash(): Promise<ChatStore>;
  counts(): Promise<{ messages: number; conversations: number; memberships: number; users: number }>;
  /** Messages of a conversation (by id), ascending. */
  messages(
    conversationId: string,
  ): Promise<{ seq: number; text: string; clientKey: string; senderId: string; deletedAt: Date | null; editedAt: Date | null }[]>;
  close(): Promise<void>;
}

/**
 * A real broker on port 0 with a temporary database (testkit) and chat-store connected with its
 * real service credentials. Users are made with createUserSession (no auth service needed).
 */
export async function startChat(backend: Backend, options: ChatHarnessOptions = {}): Promise<ChatHarness> {
  const stack = await startTestStack({ postgres: backend === 'postgres', ...(options.logger ? { logger: options.logger } : {}) });
  const opened: (() => Promise<void>)[] = [];
  const crashed: ChatStore[] = [];
  const sessions = new Map<string, TestSession>();
  let running: TestService<ChatStore> | undefined;

  async function startService(settings = options.settings, now = options.now): Promise<ChatStore> {
    running = await startTestService(
      stack,
      'chat-store',
      (deps) => createChatStore({ ...deps, ...(now ? { now } : {}), ...(settings ? { settings } : {}), ...(options.limits ? { limits: options.limits } : {}) }),
      options.logger ? { logger: options.logger } : {},
    );
    return running.service;
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

  async function session(username: string): Promise<TestSession> {
    let s = sessions.get(username);
    if (!s) {
      s = await createUserSession(stack, username);
      sessions.set(username, s);
    }
    return s;
  }

  const harness: ChatHarness = {
    stack,
    get service() {
      if (!running) throw new Error('chat-store is not running');
      return running.service;
    },
    async user(username, device = `d${randomBytes(4).toString('hex')}`) {
      const s = await session(username);
      const conn = await connectUser({ url: stack.url }, { username, token: s.token, device });
      opened.push(async () => {
        conn.requester.cancelAll();
        await conn.client.endAsync(true);
      });
      return conn;
    },
    async raw(username, device = `raw${randomBytes(4).toString('hex')}`) {
      const s = await session(username);
      const raw = await rawUser(stack.url, username, device, s.token);
      opened.push(() => raw.client.endAsync(true));
      return raw;
    },
    watch,
    async restart(o = {}) {
      await stopService();
      return startService(o.settings ?? options.settings, o.now ?? options.now);
    },
    stopService,
    async crash() {
      const r = running;
      running = undefined;
      if (r) {
        // No reconnecting, so mqtt.js fails the publishes still waiting for a PUBACK (as a dead
        // process would never see them answered) instead of keeping them for a reconnect.
        r.client.options.reconnectPeriod = 0;
        await r.client.endAsync(true);
        crashed.push(r.service);
      }
      return startService();
    },
    async counts() {
      const prisma = stack.db.prisma;
      const [messages, conversations, memberships, users] = await Promise.all([
        prisma.message.count(),
        prisma.conversation.count(),
        prisma.membership.count(),
        prisma.user.count(),
      ]);
      return { messages, conversations, memberships, users };
    },
    messages(conversationId) {
      return stack.db.prisma.message.findMany({
        where: { conversationId },
        orderBy: { seq: 'asc' },
        select: { seq: true, text: true, clientKey: true, senderId: true, deletedAt: true, editedAt: true },
      });
    },
    async close() {
      await Promise.allSettled(opened.splice(0).map((c) => c()));
      await stopService().catch(() => {});
      await Promise.allSettled(crashed.splice(0).map((s) => s.stop()));
      await stack.close();
    },
  };
  return harness;
}

export async function watch(conn: { client: MqttClient }, topic: string): Promise<EventLog> {
  const events: ConversationEvent[] = [];
  const waiters = new Set<() => void>();
  conn.client.on('message', (t, payload) => {
    if (t !== topic) return;
    events.push(ConversationEvent.parse(JSON.parse(payload.toString('utf8'))));
    for (const w of [...waiters]) w();
  });
  const granted = await conn.client.subscribeAsync(topic, { qos: 1 });
  if (granted[0]?.qos === 128) throw new Error(`subscription to ${topic} refused`);
  return {
    events,
    waitFor(match, count = 1, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.filter(match);
          if (found.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waited ${ms} ms on ${topic} for ${count} event(s); have ${JSON.stringify(events.filter(match))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

async function rawUser(url: string, username: string, device: string, token: string): Promise<RawUser> {
  const clientId = `${username}:${device}`;
  const client = await connectRaw(url, { clientId, username, password: token });
  const replyTopic = topics.reply(clientId);
  await client.subscribeAsync(replyTopic, { qos: 1 });
  const byId = new Map<string, ((r: Reply) => void)[]>();
  const anonymous: ((r: Reply) => void)[] = [];
  client.on('message', (topic, payload) => {
    if (topic !== replyTopic) return;
    const reply = JSON.parse(payload.toString('utf8')) as Reply;
    const waiting = reply.id === null ? undefined : byId.get(reply.id);
    if (waiting && waiting.length > 0) waiting.shift()!(reply);
    else anonymous.shift()?.(reply);
  });
  const topicOf = (action: Action) => topics.userRequest(clientId, action);
  function wait(list: ((r: Reply) => void)[], what: string, ms: number): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = list.indexOf(done);
        if (i >= 0) list.splice(i, 1);
        reject(new Error(`no reply to ${what} within ${ms} ms`));
      }, ms);
      const done = (r: Reply) => {
        clearTimeout(timer);
        resolve(r);
      };
      list.push(done);
    });
  }
  return {
    client,
    clientId,
    username,
    topic: topicOf,
    async send(topic, payload) {
      const reply = wait(anonymous, topic, 15_000);
      await client.publishAsync(topic, payload, { qos: 1 });
      return reply;
    },
    async call(action, id, body, timeoutMs = 10_000) {
      let list = byId.get(id);
      if (!list) byId.set(id, (list = []));
      const reply = wait(list, `${action} ${id}`, timeoutMs);
      await client.publishAsync(topicOf(action), JSON.stringify({ ...body, id }), { qos: 1 });
      return reply;
    },
    async publish(action, id, body) {
      await client.publishAsync(topicOf(action), JSON.stringify({ ...body, id }), { qos: 1 });
    },
  };
}

/** The conversation id of a room (as chat-store names rooms) or of the DM between two users. */
export function roomId(name: string): string {
  return `room_${name}`;
}

export function dmId(a: string, b: string): string {
  return `dm_${[a, b].sort().join(':')}`;
}

/** Asserts the sequence numbers are exactly 1..n. */
export function isContiguous(seqs: number[]): boolean {
  return seqs.every((s, i) => s === i + 1);
}

/** The QoS the broker granted for one filter (128 = refused; mqtt.js rejects on it, with the SUBACK attached). */
export async function grantOf(client: MqttClient, filter: string): Promise<number> {
  try {
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    return granted[0]!.qos;
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted[0]!;
  }
}
