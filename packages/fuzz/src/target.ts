import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { createArgon2Hasher, createAuthService } from '@tidings/auth';
import { createChatQuery } from '@tidings/chat-query';
import { createChatStore } from '@tidings/chat-store';
import { createLikes } from '@tidings/likes';
import { createPresence } from '@tidings/presence';
import { topics, type Action } from '@tidings/protocol';
import { createSecurityQuestionsService } from '@tidings/security-questions';
import { connectRaw, createUserSession, startServiceHarness, testLogger, type ServiceHarness } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import type { FieldHints } from './schema-arbitrary.js';

/** The password of the fuzzing users, so some generated requests get past "wrong password". */
export const FUZZ_PASSWORD = 'fuzz-password-1';

/** What a request got: the reply's JSON text, or nothing within the wait. */
export type Answer = { reply: string } | { reply: undefined; closed: boolean };

/** One connection of the fuzzer: sends a payload on an action's request topic and waits for the next reply. */
export interface Sender {
  readonly clientId: string;
  /** True once the broker closed the connection (a fuzzed logout does that). */
  readonly closed: boolean;
  send(action: Action, payload: Buffer, waitMs: number): Promise<Answer>;
  close(): Promise<void>;
}

async function openSender(url: string, clientId: string, auth: { username?: string; password?: string }, audience: 'guest' | 'user'): Promise<Sender> {
  const client: MqttClient = await connectRaw(url, { clientId, ...auth });
  // Nagle's algorithm with delayed ACKs adds ~40 ms to each request on loopback; our clients turn it off too
  (client.stream as Partial<Socket>).setNoDelay?.(true);
  const replyTopic = topics.reply(clientId);
  await client.subscribeAsync(replyTopic, { qos: 1 });
  let waiting: ((reply: string | undefined) => void) | undefined;
  let closed = false;
  client.on('message', (topic, payload) => {
    if (topic === replyTopic) waiting?.(payload.toString('utf8'));
  });
  client.on('close', () => {
    closed = true;
    waiting?.(undefined);
  });
  const requestTopic = (action: Action) => (audience === 'guest' ? topics.guestRequest(clientId, action) : topics.userRequest(clientId, action));
  return {
    clientId,
    get closed() {
      return closed;
    },
    async send(action, payload, waitMs) {
      if (closed) return { reply: undefined, closed: true };
      const reply = new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => done(undefined), waitMs);
        const done = (r: string | undefined) => {
          clearTimeout(timer);
          waiting = undefined;
          resolve(r);
        };
        waiting = done;
      });
      client.publish(requestTopic(action), payload, { qos: 0 });
      const r = await reply;
      return r === undefined ? { reply: undefined, closed } : { reply: r };
    },
    async close() {
      await client.endAsync(true).catch(() => {});
    },
  };
}

/** The fuzzed system: a real broker, a temporary SQLite database and all six services in-process. */
export interface FuzzTarget {
  harness: ServiceHarness<Record<string, never>>;
  /** Values of fields that exist in this system (rooms, users, a message, a revocable session). */
  hints: FieldHints;
  /** The fuzzing guest, made again when the broker closed it. */
  guest(): Promise<Sender>;
  /** The fuzzing user `fuzzer`, signed in again (a new session) when the broker closed it (a fuzzed logout). */
  user(): Promise<Sender>;
  /** A new signed-in connection of `username` (a new session in the database). */
  signedIn(username: string, device?: string): Promise<Sender>;
  /**
   * Undoes what earlier fuzzing did to the fuzzer, so every action is fuzzed from the same
   * footing: its password is the known one again, it is in `general`, and a fresh message there is
   * the `s` the hints offer (an earlier chat.delete may have deleted the last one).
   */
  refresh(): Promise<void>;
  /** The watcher: a member of `general` whose live events are recorded (typing). */
  watcherEvents(): string[];
  close(): Promise<void>;
}

/**
 * Starts the system with the limits that would stop the fuzzer early raised (the send rate,
 * attempts per connection, lockouts, the refusal delay): the point is what every handler does
 * with any input, not the limits, which have tests of their own. Hashing is argon2id with small
 * parameters, so a fuzzed sign-up costs milliseconds.
 */
export async function startFuzzTarget(): Promise<FuzzTarget> {
  const noSleep = async () => {};
  const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
  const many = 1_000_000;
  const harness = await startServiceHarness({
    backend: 'sqlite',
    stack: { logger: testLogger('fuzz') },
    services: {
      auth: (deps) =>
        createAuthService({ ...deps, sleep: noSleep, hasher: createArgon2Hasher(cheap), settings: { clientAttemptsPerMinute: many, maxFailures: many } }),
      'chat-store': (deps) => createChatStore({ ...deps, settings: { sendRatePerSecond: many, sendBurst: many } }),
      'chat-query': (deps) => createChatQuery(deps),
      likes: (deps) => createLikes(deps),
      presence: (deps) => createPresence(deps),
      'security-questions': (deps) =>
        createSecurityQuestionsService({
          ...deps,
          recoveryKey: randomBytes(32).toString('base64url'),
          sleep: noSleep,
          hasher: createArgon2Hasher(cheap),
          settings: { recoveryFailures: many, clientRecoveryAttempts: many, questionsPerClientPerMinute: many, passwordFailures: many },
        }),
    },
  });
  const url = harness.stack.url;
  const senders: Sender[] = [];
  const track = (s: Sender) => (senders.push(s), s);

  const signedIn = async (username: string, device = 'fuzz') => {
    const session = await createUserSession(harness.stack, username, { device });
    return track(await openSender(url, `${username}:${device}`, { username, password: session.token }, 'user'));
  };
  const newGuest = async () => track(await openSender(url, `g:${randomBytes(12).toString('base64url')}`, {}, 'guest'));

  // The cast: fuzzer (the attacker), alice (someone to reach), watcher (sees typing), with real passwords.
  for (const name of ['fuzzer', 'alice', 'watcher']) await harness.register(name, FUZZ_PASSWORD);
  const setup = await harness.user('fuzzer', 'setup');
  await setup.request('room.create', { name: 'fuzzroom' });
  await setup.request('room.join', { name: 'general' });
  const first = await setup.request('chat.send', { c: 'general', x: 'the first message' });
  await setup.request('chat.send', { c: '@alice', x: 'a direct message' });
  const spare = await createUserSession(harness.stack, 'fuzzer', { device: 'spare' });
  const prisma = harness.stack.db.prisma;
  const { passwordHash } = await prisma.user.findUniqueOrThrow({ where: { username: 'fuzzer' }, select: { passwordHash: true } });
  const watcher = await harness.user('watcher', 'watch');
  await watcher.request('room.join', { name: 'general' });
  const events: string[] = [];
  watcher.client.on('message', (topic, payload) => {
    if (topic === topics.room('general')) events.push(payload.toString('utf8'));
  });
  await watcher.client.subscribeAsync(topics.room('general'), { qos: 0 });

  let guest = await newGuest();
  let user = await signedIn('fuzzer');
  const reopen = async (s: Sender, open: () => Promise<Sender>): Promise<Sender> => (s.closed ? open() : s);

  const hints: FieldHints = {
    // valid values more often than near-misses: the point is to reach the handlers
    c: ['general', 'general', 'general', 'fuzzroom', '@alice', '@alice', '@fuzzer', '@nobody', 'General', '@', 'nowhere'],
    name: ['general', 'general', 'fuzzroom', 'newroom', 'x', 'GENERAL'],
    username: ['alice', 'alice', 'fuzzer', 'ALICE', 'nobody', 'svc', 'admin'],
    password: [FUZZ_PASSWORD, 'wrong-password'],
    currentPassword: [FUZZ_PASSWORD],
    newPassword: [FUZZ_PASSWORD],
    s: [first.s, first.s, first.s + 1, 0],
    sessionId: [spare.sessionId, 'not-a-session'],
    device: ['laptop', 'fuzz', 'setup'],
  };

  return {
    harness: harness as unknown as ServiceHarness<Record<string, never>>,
    hints,
    async refresh() {
      await prisma.user.update({ where: { username: 'fuzzer' }, data: { passwordHash } });
      const conn = await harness.user('fuzzer', 'setup');
      try {
        await conn.request('room.join', { name: 'general' });
        const fresh = await conn.request('chat.send', { c: 'general', x: 'a fresh message' });
        hints.s = [fresh.s, fresh.s, fresh.s + 1, 0];
      } finally {
        await conn.close();
      }
    },
    guest: async () => (guest = await reopen(guest, newGuest)),
    user: async () => (user = await reopen(user, () => signedIn('fuzzer'))),
    signedIn,
    watcherEvents: () => [...events],
    async close() {
      await Promise.allSettled(senders.map((s) => s.close()));
      await harness.close();
    },
  };
}
