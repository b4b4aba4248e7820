import net from 'node:net';
import { MAX_DEVICES_PER_SESSION, MAX_QUEUED_MESSAGES, MAX_TOPIC_LEVEL_LENGTH, topics, userClientId } from '@tidings/protocol';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { asGuest, asService, asUser, closed, createSession, grantOf, harness, inbox, refusalOf, type Harness } from './helpers.js';

const IDENTIFIER_REJECTED = 2;
const NOT_AUTHORIZED = 5;

/** A will as mqtt.js takes it. */
const will = (topic: string, payload: string, retain = true) => ({ topic, payload: Buffer.from(payload), qos: 1 as const, retain });

/** The presence service's view: every device-topic message, retained or live. */
async function deviceWatcher(h: Harness) {
  const watcher = await asService(h, 'presence');
  const seen = inbox(watcher);
  await watcher.subscribeAsync(topics.devicePresenceFilter, { qos: 1 });
  return { watcher, seen };
}

/** Tells the broker these sessions were revoked, as the auth service does. */
async function announceRevoked(h: Harness, username: string, sessionIds: string[]) {
  const auth = await asService(h, 'auth');
  await auth.publishAsync(topics.sessionRevoked, JSON.stringify({ sessionIds, username, reason: 'revoked' }), { qos: 1 });
}

/** The retained messages a fresh subscriber to this filter gets (it waits for one QoS 1 round trip after SUBACK). */
async function retainedOn(h: Harness, filter: string): Promise<{ topic: string; payload: string }[]> {
  const reader = await asService(h, 'presence');
  const seen = inbox(reader);
  await reader.subscribeAsync(filter, { qos: 1 });
  // Retained messages are sent right after SUBACK; a message of our own behind them marks the end.
  const marker = topics.serviceHealth('presence');
  await reader.subscribeAsync(marker, { qos: 1 });
  const done = seen.next(marker);
  await reader.publishAsync(marker, JSON.stringify({ status: 'up', service: 'presence' }), { qos: 1 });
  await done;
  await reader.endAsync();
  return seen.messages.filter((m) => m.topic !== marker && m.retain);
}

describe('last wills', () => {
  it('allows a device only `0` on its own device topic as its will', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    const own = topics.devicePresence('alice', userClientId('alice', 'laptop'));
    await asUser(h.broker.url, s, 'laptop', { will: will(own, '0') });
    const attempts = {
      // a will that would send a chat message or revoke a session when the link drops
      request: will(topics.userRequest(userClientId('alice', 'laptop'), 'chat.send'), '{"id":"w","c":"general","x":"after the fact"}', false),
      revoke: will(topics.userRequest(userClientId('alice', 'laptop'), 'auth.revoke'), '{"id":"w","sessionId":"someoneelse0000"}', false),
      otherPayload: will(own, 'x'.repeat(60_000)),
      one: will(own, '1'),
      otherDevice: will(topics.devicePresence('alice', userClientId('alice', 'phone')), '0'),
    };
    for (const [name, w] of Object.entries(attempts)) {
      expect([
        name,
        await refusalOf(h.broker.url, { clientId: userClientId('alice', 'laptop'), username: 'alice', password: s.token, clean: true, will: w }),
      ]).toEqual([name, NOT_AUTHORIZED]);
    }
  });

  it('gives a guest no will at all', async () => {
    const h = await harness();
    const clientId = 'g:abcdefgh1234';
    expect(await refusalOf(h.broker.url, { clientId, clean: true, will: will(topics.guestRequest(clientId, 'auth.login'), '{}', false) })).toBe(NOT_AUTHORIZED);
    await asGuest(h.broker.url, clientId);
  });

  it('publishes the will `0` when a live session’s link drops (positive control)', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    const { seen } = await deviceWatcher(h);
    const own = topics.devicePresence('alice', userClientId('alice', 'laptop'));
    const device = await asUser(h.broker.url, s, 'laptop', { will: will(own, '0') });
    const gone = seen.next(own);
    device.stream.destroy();
    expect((await gone).payload).toBe('0');
  });

  it('never publishes a revoked session’s will, and clears its device topic', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    const { seen } = await deviceWatcher(h);
    const own = topics.devicePresence('alice', userClientId('alice', 'laptop'));
    const device = await asUser(h.broker.url, s, 'laptop', { will: will(own, '0') });
    const online = seen.next(own);
    await device.publishAsync(own, '1', { qos: 1, retain: true });
    expect((await online).payload).toBe('1');

    const cleared = seen.next(own);
    const gone = closed(device);
    await h.db.prisma.session.update({ where: { id: s.sessionId }, data: { revokedAt: new Date() } });
    await announceRevoked(h, 'alice', [s.sessionId]);
    await gone;
    // The will would have come first (it is published as the connection closes, before the clearing).
    expect((await cleared).payload).toBe('');
    expect(seen.messages.filter((m) => m.topic === own).map((m) => m.payload)).toEqual(['1', '']);
    expect(await retainedOn(h, topics.devicePresenceFilter)).toEqual([]);
  });

  it('clears an expired session’s devices without their wills', async () => {
    let clock = Date.now();
    const h = await harness({ now: () => clock, limits: { sessionSweepMs: 20 } });
    const s = await createSession(h.db, 'alice', { expiresAt: new Date(clock + 60_000) });
    const { seen } = await deviceWatcher(h);
    const own = topics.devicePresence('alice', userClientId('alice', 'laptop'));
    const device = await asUser(h.broker.url, s, 'laptop', { will: will(own, '0') });
    const online = seen.next(own);
    await device.publishAsync(own, '1', { qos: 1, retain: true });
    await online;
    const cleared = seen.next(own);
    const gone = closed(device);
    clock += 120_000;
    await gone;
    expect((await cleared).payload).toBe('');
    expect(seen.messages.filter((m) => m.topic === own).map((m) => m.payload)).toEqual(['1', '']);
  });
});

describe('device topics', () => {
  it('accept 1 and 0, and close a device that publishes anything else there', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    const own = topics.devicePresence('alice', userClientId('alice', 'laptop'));
    const device = await asUser(h.broker.url, s, 'laptop');
    await device.publishAsync(own, '1', { qos: 1, retain: true });
    await device.publishAsync(own, '0', { qos: 1, retain: true });
    expect((await retainedOn(h, topics.devicePresenceFilter)).map((m) => m.payload)).toEqual(['0']);

    for (const payload of ['x'.repeat(60_000), '10', '', 'true']) {
      const d = await asUser(h.broker.url, s, 'laptop');
      const gone = closed(d);
      d.publish(own, payload, { qos: 1, retain: true });
      await gone;
    }
    expect((await retainedOn(h, topics.devicePresenceFilter)).map((m) => m.payload)).toEqual(['0']);
  });
});

describe('devices per session', () => {
  it(`lets one token connect as ${MAX_DEVICES_PER_SESSION} devices and refuses the next`, async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    for (let i = 0; i < MAX_DEVICES_PER_SESSION; i++) {
      const d = await asUser(h.broker.url, s, `dev${i}`);
      await d.endAsync();
    }
    expect(await refusalOf(h.broker.url, { clientId: userClientId('alice', 'one-too-many'), username: 'alice', password: s.token, clean: true })).toBe(
      NOT_AUTHORIZED,
    );
    // The devices it has are still its own, and another session of the same user has its own set.
    await asUser(h.broker.url, s, 'dev0');
    const other = await createSession(h.db, 'alice');
    await asUser(h.broker.url, other, 'one-too-many');
    expect(h.lines().some((l) => l.includes(`in use on ${MAX_DEVICES_PER_SESSION} devices`))).toBe(true);
  });

  it('keeps nothing of 150 device ids that each try to leave 60 KB on their device topic', async () => {
    const h = await harness({ limits: { maxDevicesPerSession: 150 } });
    const s = await createSession(h.db, 'alice');
    for (let i = 0; i < 150; i++) {
      const d = await asUser(h.broker.url, s, `dev${i}`);
      const gone = closed(d);
      d.publish(topics.devicePresence('alice', userClientId('alice', `dev${i}`)), 'x'.repeat(60_000), { qos: 0, retain: true });
      await gone;
    }
    expect(h.broker.retainedCount()).toBe(0);
  });
});

/** A persistent device subscribed to a room at QoS 1, then gone; `publish` fills its queue as a service. */
async function offlineMember(h: Harness, limits = { device: 'laptop' }) {
  const s = await createSession(h.db, 'alice');
  const clientId = userClientId('alice', limits.device);
  const first = await asUser(h.broker.url, s, limits.device, { clean: false });
  await first.subscribeAsync(topics.room('general'), { qos: 1 });
  await first.endAsync();
  const store = await asService(h, 'chat-store');
  return { s, clientId, store };
}

/** Reconnects and collects the queued messages until one with payload `last` arrives. */
async function drain(h: Harness, s: { username: string; token: string }, last: string): Promise<string[]> {
  const got: string[] = [];
  const { connect } = await import('mqtt');
  const client: MqttClient = connect(h.broker.url, {
    protocolVersion: 4,
    clientId: userClientId(s.username, 'laptop'),
    username: s.username,
    password: s.token,
    clean: false,
    reconnectPeriod: 0,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.on('message', (_topic, payload) => {
        got.push(payload.toString());
        if (payload.toString() === last) resolve();
      });
      client.once('error', reject);
    });
  } finally {
    await client.endAsync(true);
  }
  return got;
}

describe('persistent session queues', () => {
  it(`keep at most ${MAX_QUEUED_MESSAGES} messages per session, dropping the oldest`, async () => {
    const h = await harness();
    const { s, clientId, store } = await offlineMember(h);
    const total = MAX_QUEUED_MESSAGES + 100;
    for (let i = 0; i < total; i++) await store.publishAsync(topics.room('general'), String(i), { qos: 1 });
    expect(h.broker.queued(clientId).messages).toBe(MAX_QUEUED_MESSAGES);
    const got = await drain(h, s, String(total - 1));
    expect(got.length).toBe(MAX_QUEUED_MESSAGES);
    expect(got[0]).toBe('100');
    expect(got).toEqual(Array.from({ length: MAX_QUEUED_MESSAGES }, (_, i) => String(i + 100)));
    expect(h.lines().some((l) => l.includes('queue is full'))).toBe(true);
  });

  it('keep at most 256 KiB per session, dropping the oldest', async () => {
    const h = await harness();
    const { s, clientId, store } = await offlineMember(h);
    const body = (i: number) => `${String(i).padStart(3, '0')}${'x'.repeat(9_997)}`; // 10,000 bytes
    for (let i = 0; i < 40; i++) await store.publishAsync(topics.room('general'), body(i), { qos: 1 });
    const perMessage = 10_000 + topics.room('general').length;
    const fits = Math.floor((256 * 1024) / perMessage);
    expect(h.broker.queued(clientId)).toEqual({ messages: fits, bytes: fits * perMessage });
    const got = await drain(h, s, body(39));
    expect(got.map((p) => Number(p.slice(0, 3)))).toEqual(Array.from({ length: fits }, (_, i) => 40 - fits + i));
  });

  it('queue nothing for a filter the ACL refused', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    const clientId = userClientId('alice', 'laptop');
    const first = await asUser(h.broker.url, s, 'laptop', { clean: false });
    expect(await grantOf(first, '#')).toBe(128);
    expect(await grantOf(first, topics.inbox('bob'))).toBe(128);
    await first.endAsync();
    const store = await asService(h, 'chat-store');
    for (let i = 0; i < 20; i++) await store.publishAsync(topics.inbox('bob'), String(i), { qos: 1 });
    expect(h.broker.queued(clientId).messages).toBe(0);
  });

  it('are cleared with the session when it is revoked', async () => {
    const h = await harness();
    const { s, clientId, store } = await offlineMember(h);
    for (let i = 0; i < 10; i++) await store.publishAsync(topics.room('general'), String(i), { qos: 1 });
    expect(h.broker.queued(clientId).messages).toBe(10);
    await announceRevoked(h, 'alice', [s.sessionId]);
    await expect.poll(() => h.broker.queued(clientId).messages).toBe(0);
    // A new session on the same device starts clean: no stored subscription, nothing queued.
    const next = await createSession(h.db, 'alice');
    const { connect } = await import('mqtt');
    const again = connect(h.broker.url, { protocolVersion: 4, clientId, username: 'alice', password: next.token, clean: false, reconnectPeriod: 0 });
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      again.once('connect', (packet) => resolve(packet));
      again.once('error', reject);
    });
    await again.endAsync(true);
    expect(connack.sessionPresent).toBe(false);
  });
});

describe('topic levels', () => {
  it(`refuse filters with U+0000 or a level over ${MAX_TOPIC_LEVEL_LENGTH} characters`, async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    const user = await asUser(h.broker.url, s);
    expect(await grantOf(user, topics.room('a'.repeat(MAX_TOPIC_LEVEL_LENGTH)))).toBe(1);
    expect(await grantOf(user, topics.room('a'.repeat(MAX_TOPIC_LEVEL_LENGTH + 1)))).toBe(128);
    expect(await grantOf(user, topics.room('a'.repeat(60_000)))).toBe(128);
    expect(await grantOf(user, topics.room('gen\u0000eral'))).toBe(128);
    expect(await grantOf(user, `${topics.room('general')}\u0000`)).toBe(128);
    expect(await grantOf(user, topics.presence('\u0000'))).toBe(128);
  });
});

/** A raw MQTT 3.1.1 CONNECT (mqtt.js will not send an empty client id with clean=false); resolves with the CONNACK return code. */
function rawConnect(url: string, options: { clean: boolean; username?: string; password?: string }): Promise<number> {
  const { hostname, port } = new URL(url);
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  let flags = options.clean ? 0x02 : 0;
  const tail: Buffer[] = [str('')];
  if (options.username !== undefined) {
    flags |= 0x80;
    tail.push(str(options.username));
  }
  if (options.password !== undefined) {
    flags |= 0x40;
    tail.push(str(options.password));
  }
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, flags, 0, 30]), ...tail]);
  const packet = Buffer.concat([Buffer.from([0x10, body.length]), body]);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(packet));
    socket.once('data', (data) => {
      socket.destroy();
      if (data[0] !== 0x20) reject(new Error(`not a CONNACK: ${data.toString('hex')}`));
      else resolve(data[3]!);
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed without CONNACK')));
  });
}

describe('empty client ids (MQTT 3.1.1 [MQTT-3.1.3-8])', () => {
  it('are refused with a persistent session when authentication is off, and assigned with a clean one', async () => {
    const h = await harness({ auth: false });
    expect(await rawConnect(h.broker.url, { clean: false })).toBe(IDENTIFIER_REJECTED);
    expect(await rawConnect(h.broker.url, { clean: true })).toBe(0);
  });

  it('are refused in every case when authentication is on: our client ids carry the identity', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    expect(await rawConnect(h.broker.url, { clean: false })).toBe(IDENTIFIER_REJECTED);
    expect(await rawConnect(h.broker.url, { clean: true })).toBe(IDENTIFIER_REJECTED);
    expect(await rawConnect(h.broker.url, { clean: false, username: 'alice', password: s.token })).toBe(IDENTIFIER_REJECTED);
    expect(await rawConnect(h.broker.url, { clean: true, username: 'alice', password: s.token })).toBe(IDENTIFIER_REJECTED);
  });
});
