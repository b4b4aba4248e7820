import { createArgon2Hasher as authHasher, createAuthService, type AuthService } from '@tidings/auth';
import { createChatStore } from '@tidings/chat-store';
import type { Connection } from '@tidings/client';
import { SECURITY_QUESTIONS, topics, userClientId, type ResultOf } from '@tidings/protocol';
import { createArgon2Hasher, createSecurityQuestionsService, type SecurityQuestionsService } from '@tidings/security-questions';
import { connectRaw, connectServiceClient, startServiceHarness, type ServiceFactory, type ServiceHarness } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Issue 15, item 2: a last will used to outlive the revocation of its session — a thief's will
 * `auth.revoke` revoked the owner's session when the owner revoked the thief, and a will
 * `chat.send` stored a message after the revocation. Now a device may only leave `0` on its own
 * device topic, and a revoked session's connections close without their wills, whichever way the
 * session ends: sign-out of another device, password change, password reset, `sessions revoke`.
 */

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASSWORD = 'the owners password';
const NOT_AUTHORIZED = 5;

type Services = { auth: ServiceFactory<AuthService>; 'security-questions': ServiceFactory<SecurityQuestionsService>; 'chat-store': ServiceFactory };
let h: ServiceHarness<Services>;
afterEach(async () => h?.close());

async function start() {
  h = await startServiceHarness({
    backend: 'sqlite',
    services: {
      auth: (deps) => createAuthService({ ...deps, sleep: async () => {}, hasher: authHasher(CHEAP) }),
      'security-questions': (deps) =>
        createSecurityQuestionsService({
          ...deps,
          recoveryKey: 'e2e-recovery-key-0123456789abcdefghijklmn',
          sleep: async () => {},
          hasher: createArgon2Hasher(CHEAP),
        }),
      'chat-store': (deps) => createChatStore(deps),
    },
  });
  return h;
}

/** What the presence service sees on device topics. */
async function deviceWatcher() {
  const watcher = await connectServiceClient(h.stack, 'presence');
  const seen: { topic: string; payload: string }[] = [];
  const waiters: { topic: string; resolve: () => void }[] = [];
  watcher.on('message', (topic, payload) => {
    seen.push({ topic, payload: payload.toString() });
    const ready = waiters.filter((w) => w.topic === topic);
    waiters.splice(0, waiters.length, ...waiters.filter((w) => w.topic !== topic));
    for (const w of ready) w.resolve();
  });
  await watcher.subscribeAsync(topics.devicePresenceFilter, { qos: 1 });
  return {
    watcher,
    payloads: (topic: string) => seen.filter((m) => m.topic === topic).map((m) => m.payload),
    next: (topic: string) => new Promise<void>((resolve) => waiters.push({ topic, resolve })),
  };
}

/** The payloads retained on a topic, as a fresh subscriber gets them. */
async function retainedOn(topic: string): Promise<string[]> {
  const reader = await connectServiceClient(h.stack, 'presence');
  try {
    const retained: string[] = [];
    const marker = topics.serviceHealth('presence');
    const done = new Promise<void>((resolve) =>
      reader.on('message', (t, payload, packet) => {
        if (t === topic && packet.retain) retained.push(payload.toString());
        if (t === marker && !packet.retain) resolve();
      }),
    );
    await reader.subscribeAsync(topic, { qos: 1 });
    await reader.subscribeAsync(marker, { qos: 1 });
    // Retained messages follow SUBACK at once; a live message of our own comes after them.
    await reader.publishAsync(marker, JSON.stringify({ status: 'up', service: 'presence' }), { qos: 1 });
    await done;
    return retained;
  } finally {
    await reader.endAsync(true);
  }
}

/** The thief's device, connected with the stolen token: every will it tries, and the one it may have. */
async function thiefDevice(login: ResultOf<'auth.login'>, owner: ResultOf<'auth.login'>): Promise<MqttClient> {
  const clientId = userClientId('alice', 'thief');
  const credentials = { clientId, username: 'alice', password: login.token };
  const wills = [
    { topic: topics.userRequest(clientId, 'auth.revoke'), payload: JSON.stringify({ id: 'will-1', sessionId: owner.sessionId }) },
    { topic: topics.userRequest(clientId, 'chat.send'), payload: JSON.stringify({ id: 'will-2', c: 'general', x: 'sent after the revocation' }) },
    { topic: topics.userRequest(clientId, 'auth.logout'), payload: JSON.stringify({ id: 'will-3', sessionId: owner.sessionId }) },
  ];
  for (const will of wills) {
    await expect(connectRaw(h.stack.url, { ...credentials, will: { ...will, qos: 1, retain: false } })).rejects.toMatchObject({ code: NOT_AUTHORIZED });
  }
  const own = topics.devicePresence('alice', clientId);
  const thief = await connectRaw(h.stack.url, { ...credentials, will: { topic: own, payload: Buffer.from('0'), qos: 1, retain: true } });
  await thief.publishAsync(own, '1', { qos: 1, retain: true });
  return thief;
}

const flows: [string, (owner: Connection, ownerLogin: ResultOf<'auth.login'>, thiefLogin: ResultOf<'auth.login'>) => Promise<void>][] = [
  [
    'sign-out of the thief’s session (auth.logout)',
    async (owner, _ownerLogin, thief) => expect(await owner.request('auth.logout', { sessionId: thief.sessionId })).toEqual({ revoked: true }),
  ],
  [
    'password change (auth.passwd)',
    async (owner, ownerLogin) =>
      expect(await owner.request('auth.passwd', { currentPassword: PASSWORD, newPassword: 'a new password now', sessionId: ownerLogin.sessionId })).toEqual({
        revokedSessions: 2,
      }),
  ],
  [
    'password reset (recovery.reset)',
    async () => {
      const guest = await h.guest();
      expect(await guest.request('recovery.reset', { username: 'alice', answer: 'rex', newPassword: 'a new password now' })).toEqual({ revokedSessions: 3 });
    },
  ],
  [
    'sessions revoke (auth.revoke)',
    async (owner, _ownerLogin, thief) => expect(await owner.request('auth.revoke', { sessionId: thief.sessionId })).toEqual({ revoked: true }),
  ],
];

describe('a revoked session’s last will', () => {
  it.each(flows)('is never published after %s, and no will can act as the user', async (name, revoke) => {
    await start();
    await h.register('alice', PASSWORD);
    const setup = await h.login('alice', PASSWORD, 'setup');
    const setupConn = await h.user(setup, 'setup');
    await setupConn.request('security.set', { question: SECURITY_QUESTIONS[0], answer: 'rex', currentPassword: PASSWORD });
    await setupConn.close();

    const ownerLogin = await h.login('alice', PASSWORD, 'laptop');
    const thiefLogin = await h.login('alice', PASSWORD, 'thief');
    const { payloads, next } = await deviceWatcher();
    const thiefTopic = topics.devicePresence('alice', userClientId('alice', 'thief'));
    const online = next(thiefTopic);
    const thief = await thiefDevice(thiefLogin, ownerLogin);
    await online;
    const owner = await h.user(ownerLogin, 'laptop');

    const cleared = next(thiefTopic);
    const gone = new Promise<void>((resolve) => thief.once('close', () => resolve()));
    await revoke(owner, ownerLogin, thiefLogin);
    await gone;
    await cleared;

    // The watcher saw the thief come online and its device topic cleared; never the will `0`,
    // and nothing is left retained there (a will published after the clearing would be).
    expect(await retainedOn(thiefTopic)).toEqual([]);
    expect(payloads(thiefTopic)).toEqual(['1', '']);
    // Nothing was sent in the user's name, and the owner's session is as the flow left it.
    expect(await h.stack.db.prisma.message.count()).toBe(0);
    const ownerSession = await h.stack.db.prisma.session.findUniqueOrThrow({ where: { id: ownerLogin.sessionId } });
    expect(ownerSession.revokedAt === null).toBe(!name.startsWith('password reset'));
    thief.end(true);
  });
});
