import { topics } from '@tidings/protocol';
import { connect, type MqttClient } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { asGuest, asService, asUser, closed, createSession, grantOf, grantsOf, harness, inbox, randomGuestId, type Harness } from './helpers.js';

// The ACL through a real broker and real mqtt.js clients: every forbidden subscribe answers
// SUBACK 0x80, every forbidden publish closes the publisher's connection and reaches nobody;
// each has a positive control so the test fails if the broker refused everything.

const REFUSED = 128;

interface Cast {
  h: Harness;
  guestId: string;
  guest: MqttClient;
  alice: MqttClient;
  bob: MqttClient;
  /** An auth service instance that plays a part (and may be the offender). */
  auth: MqttClient;
  /** Another auth service instance that only listens to requests and health: the would-be recipient. */
  watch: MqttClient;
  authInbox: ReturnType<typeof inbox>;
}

async function cast(): Promise<Cast> {
  const h = await harness();
  const guestId = randomGuestId();
  const [a, b] = [await createSession(h.db, 'alice'), await createSession(h.db, 'bob')];
  const guest = await asGuest(h.broker.url, guestId);
  const alice = await asUser(h.broker.url, a, 'laptop');
  const bob = await asUser(h.broker.url, b, 'laptop');
  const auth = await asService(h, 'auth');
  const watch = await asService(h, 'auth');
  const authInbox = inbox(watch);
  const filters = [
    topics.guestRequestFilter('auth.login'),
    topics.guestRequestFilter('auth.register'),
    topics.userRequestFilter('auth.whoami'),
    topics.serviceHealthFilter,
  ];
  expect(await grantsOf(watch, filters)).toEqual([1, 1, 1, 1]);
  return { h, guestId, guest, alice, bob, auth, watch, authInbox };
}

describe('subscriptions through the broker', () => {
  it('grants each identity its own reply topic and a service its request filters (positive control)', async () => {
    const c = await cast();
    expect(await grantOf(c.guest, topics.reply(c.guestId))).toBe(1);
    expect(await grantOf(c.alice, topics.reply('alice:laptop'))).toBe(1);
    expect(await grantOf(c.auth, topics.serviceHealthFilter)).toBe(1);
  });

  const forbidden: [who: 'guest' | 'alice' | 'auth', filter: string][] = [
    ['guest', 't/r/alice:laptop'],
    ['guest', 't/r/g:someoneelse'],
    ['guest', topics.guestRequestFilter('auth.login')],
    ['alice', 't/r/bob:laptop'],
    ['alice', 't/r/alice:phone'],
    ['alice', topics.userRequestFilter('auth.whoami')],
    ['alice', 't/u/bob:laptop/auth.whoami'],
    ['auth', 't/r/+'],
    ['auth', 't/r/bob:laptop'],
    ['auth', topics.sessionRevoked],
    ['auth', 't/g/#'],
    ...(['guest', 'alice', 'auth'] as const).flatMap((who) => ['#', '$SYS/#', 't/#', 't/r/+', '+/+/+'].map((f) => [who, f] as [typeof who, string])),
  ];
  it.each(forbidden)('refuses %s a subscription to %s with SUBACK 0x80', async (who, filter) => {
    const c = await cast();
    expect(await grantOf(c[who], filter)).toBe(REFUSED);
    expect(c[who].connected).toBe(true);
    expect(c.h.lines().join('\n')).toContain('refused a subscription');
  });

  it("does not deliver another client's replies to a client whose subscription to them was refused", async () => {
    const c = await cast();
    const aliceInbox = inbox(c.alice);
    const bobInbox = inbox(c.bob);
    expect(await grantOf(c.alice, 't/r/bob:laptop')).toBe(REFUSED);
    expect(await grantOf(c.alice, 't/r/+')).toBe(REFUSED);
    expect(await grantOf(c.alice, topics.reply('alice:laptop'))).toBe(1);
    expect(await grantOf(c.bob, topics.reply('bob:laptop'))).toBe(1);
    const bobGot = bobInbox.next(topics.reply('bob:laptop'));
    const aliceGot = aliceInbox.next(topics.reply('alice:laptop'));
    await c.auth.publishAsync(topics.reply('bob:laptop'), 'for bob', { qos: 1 });
    await c.auth.publishAsync(topics.reply('alice:laptop'), 'for alice', { qos: 1 });
    expect((await bobGot).payload).toBe('for bob');
    expect((await aliceGot).payload).toBe('for alice');
    expect(aliceInbox.messages.map((m) => m.payload)).toEqual(['for alice']);
  });

  it('delivers retained service health to a service that subscribes later', async () => {
    const c = await cast();
    await c.auth.publishAsync(topics.serviceHealth('auth'), JSON.stringify({ status: 'up', service: 'auth' }), { qos: 1, retain: true });
    const late = await asService(c.h, 'likes');
    const got = inbox(late);
    const health = got.next(topics.serviceHealth('auth'));
    expect(await grantOf(late, topics.serviceHealthFilter)).toBe(1);
    expect(await health).toMatchObject({ payload: JSON.stringify({ status: 'up', service: 'auth' }) });
  });

  it('does not queue refused topics for an offline persistent session', async () => {
    const h = await harness();
    const a = await createSession(h.db, 'alice');
    const auth = await asService(h, 'auth');
    let alice = await asUser(h.broker.url, a, 'laptop', { clean: false });
    // One SUBSCRIBE with an allowed and a refused filter: aedes stores the packet's whole list.
    expect(await grantsOf(alice, [topics.reply('alice:laptop'), topics.reply('bob:laptop')])).toEqual([1, REFUSED]);
    await alice.endAsync();
    await auth.publishAsync(topics.reply('bob:laptop'), 'for bob', { qos: 1 });
    await auth.publishAsync(topics.reply('alice:laptop'), 'for alice', { qos: 1 });
    // The queued messages arrive right after CONNACK: listen before connecting.
    const received: string[] = [];
    const mine = new Promise<void>((resolve) => {
      const onMessage = (_topic: string, payload: Buffer) => {
        received.push(payload.toString());
        if (payload.toString() === 'for alice') resolve();
      };
      alice = connectListening(h.broker.url, a, onMessage);
    });
    await mine;
    expect(received).toEqual(['for alice']);
    expect(alice.connected).toBe(true);
  });
});

describe('publishing through the broker', () => {
  it("delivers a guest's and a user's own requests and a service's reply (positive control)", async () => {
    const c = await cast();
    const login = c.authInbox.next(topics.guestRequest(c.guestId, 'auth.login'));
    c.guest.publish(topics.guestRequest(c.guestId, 'auth.login'), '{}', { qos: 1 });
    expect((await login).payload).toBe('{}');
    const whoami = c.authInbox.next(topics.userRequest('alice:laptop', 'auth.whoami'));
    c.alice.publish(topics.userRequest('alice:laptop', 'auth.whoami'), '{}', { qos: 1 });
    expect((await whoami).payload).toBe('{}');
    expect(await grantOf(c.alice, topics.reply('alice:laptop'))).toBe(1);
    const reply = inbox(c.alice).next(topics.reply('alice:laptop'));
    await c.auth.publishAsync(topics.reply('alice:laptop'), 'hi', { qos: 1 });
    expect((await reply).payload).toBe('hi');
  });

  const forbidden: [who: 'guest' | 'alice' | 'bob' | 'auth', what: string, topic: (c: Cast) => string, retain?: boolean][] = [
    ['guest', "another guest's request", () => topics.guestRequest('g:someoneelse', 'auth.login')],
    ['guest', 'a user action on its own guest topic', (c) => topics.guestRequest(c.guestId, 'auth.whoami')],
    ['guest', 'a user request in the name of alice', () => topics.userRequest('alice:laptop', 'auth.whoami')],
    ['guest', 'a user request on its own guest client id', (c) => topics.userRequest(c.guestId, 'auth.whoami')],
    ['guest', 'a reply topic', () => topics.reply('alice:laptop')],
    ['alice', 'a request as bob', () => topics.userRequest('bob:laptop', 'auth.whoami')],
    ['alice', 'a request with her name before bob’s client id (the old topic shape)', () => 't/u/alice/bob:laptop/auth.whoami'],
    ['alice', 'a request on her own name and client id in the old topic shape', () => 't/u/alice/alice:laptop/auth.whoami'],
    ['alice', 'a request from another of her devices', () => topics.userRequest('alice:phone', 'auth.whoami')],
    ['alice', 'a guest action on her own request topic', () => topics.userRequest('alice:laptop', 'auth.login')],
    ['alice', "bob's reply topic", () => topics.reply('bob:laptop')],
    ['alice', 'a guest request', () => topics.guestRequest('alice:laptop', 'auth.login')],
    ['alice', 'a retained message on her own request topic', () => topics.userRequest('alice:laptop', 'auth.whoami'), true],
    ['alice', 'a session revocation', () => topics.sessionRevoked],
    ['alice', 'a service health', () => topics.serviceHealth('auth')],
    ['alice', 'a system topic', () => '$SYS/fake'],
    ['auth', 'a request topic', (c) => topics.guestRequest(c.guestId, 'auth.login')],
    ['auth', 'a user request topic', () => topics.userRequest('alice:laptop', 'auth.whoami')],
    ['auth', "another service's health", () => topics.serviceHealth('likes')],
  ];
  it.each(forbidden)('closes the connection of %s publishing %s, and delivers nothing', async (who, _what, topicOf, retain = false) => {
    const c = await cast();
    const topic = topicOf(c);
    // Everyone who could be a recipient listens.
    const victims = [inbox(c.bob), inbox(c.alice)];
    expect(await grantOf(c.bob, topics.reply('bob:laptop'))).toBe(1);
    expect(await grantOf(c.alice, topics.reply('alice:laptop'))).toBe(1);
    const gone = closed(c[who]);
    c[who].publish(topic, 'forged', { qos: 1, retain });
    await gone;
    expect(c.h.lines().join('\n')).toMatch(/refused a publish/);
    // A legitimate request afterwards arrives alone.
    const sentinel = c.authInbox.next(topics.guestRequest(c.guestId, 'auth.login'));
    const guest = who === 'guest' ? await asGuest(c.h.broker.url, c.guestId) : c.guest;
    guest.publish(topics.guestRequest(c.guestId, 'auth.login'), 'sentinel', { qos: 1 });
    await sentinel;
    const everything = [...c.authInbox.messages, ...victims.flatMap((v) => v.messages)];
    expect(everything.filter((m) => m.payload === 'forged')).toEqual([]);
  });

  it('keeps nothing retained from a refused retained publish', async () => {
    const c = await cast();
    const gone = closed(c.alice);
    c.alice.publish(topics.userRequest('alice:laptop', 'auth.whoami'), 'forged', { qos: 1, retain: true });
    await gone;
    const fresh = await asService(c.h, 'auth');
    const got = inbox(fresh);
    await grantOf(fresh, topics.userRequestFilter('auth.whoami'));
    const sentinel = got.next(topics.userRequest('bob:laptop', 'auth.whoami'));
    c.bob.publish(topics.userRequest('bob:laptop', 'auth.whoami'), 'sentinel', { qos: 1 });
    await sentinel;
    expect(got.messages.map((m) => m.payload)).toEqual(['sentinel']);
  });
});

function connectListening(url: string, s: { username: string; token: string }, onMessage: (topic: string, payload: Buffer) => void): MqttClient {
  const client = connect(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: `${s.username}:laptop`,
    username: s.username,
    password: s.token,
    clean: false,
  });
  client.on('message', onMessage);
  onTestFinished(() => client.endAsync(true));
  return client;
}
