import { SessionRevokedEvent, topics, userClientId } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { asGuest, asService, asUser, closed, createSession, harness, randomGuestId, refusalOf } from './helpers.js';

const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;
const IDENTIFIER_REJECTED = 2;

describe('guests', () => {
  it('accepts a guest with a g:<random> client id and a clean session', async () => {
    const h = await harness();
    const client = await asGuest(h.broker.url);
    expect(client.connected).toBe(true);
  });

  it('refuses a guest that asks for a persistent session', async () => {
    const h = await harness();
    expect(await refusalOf(h.broker.url, { clientId: randomGuestId(), clean: false })).toBe(NOT_AUTHORIZED);
  });

  it('refuses a client without credentials whose client id is not a guest id', async () => {
    const h = await harness();
    expect(await refusalOf(h.broker.url, { clientId: 'alice:laptop', clean: true })).toBe(IDENTIFIER_REJECTED);
    expect(await refusalOf(h.broker.url, { clientId: 'g:short', clean: true })).toBe(IDENTIFIER_REJECTED);
  });

  it('refuses a password without a username', async () => {
    const h = await harness();
    // MQTT 3.1.1 forbids it [MQTT-3.1.2-22]: the parser drops the connection, or we answer 4.
    expect([undefined, BAD_CREDENTIALS]).toContain(await refusalOf(h.broker.url, { clientId: randomGuestId(), password: 'x', clean: true }));
  });
});

describe('users', () => {
  it('accepts a user with a valid session token, even with the username in upper case, and records lastSeenAt', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    const before = (await h.db.prisma.session.findUniqueOrThrow({ where: { id: s.sessionId } })).lastSeenAt;
    await new Promise((r) => setTimeout(r, 5));
    await asUser(h.broker.url, s);
    await asUser(h.broker.url, { username: 'ALICE', token: s.token }, 'phone', { clientId: userClientId('alice', 'phone') });
    await expect.poll(async () => (await h.db.prisma.session.findUniqueOrThrow({ where: { id: s.sessionId } })).lastSeenAt > before).toBe(true);
  });

  it('records lastSeenAt of every session when many users connect at once', async () => {
    const h = await harness();
    const sessions = await Promise.all(Array.from({ length: 30 }, (_, i) => createSession(h.db, `user${i}`)));
    const before = new Date(Date.now() - 1);
    await h.db.prisma.session.updateMany({ data: { lastSeenAt: new Date(0) } });
    await Promise.all(sessions.map((s) => asUser(h.broker.url, s)));
    await expect.poll(async () => h.db.prisma.session.count({ where: { id: { in: sessions.map((s) => s.sessionId) }, lastSeenAt: { gte: before } } })).toBe(30);
  });

  it('refuses a wrong token, a malformed token and no token', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    const wrongSecret = `${s.sessionId}.${'A'.repeat(43)}`;
    expect(await refusalOf(h.broker.url, { clientId: 'alice:laptop', username: 'alice', password: wrongSecret })).toBe(BAD_CREDENTIALS);
    expect(await refusalOf(h.broker.url, { clientId: 'alice:laptop', username: 'alice', password: 'not-a-token' })).toBe(BAD_CREDENTIALS);
    expect(await refusalOf(h.broker.url, { clientId: 'alice:laptop', username: 'alice' })).toBe(BAD_CREDENTIALS);
  });

  it("refuses another user's token", async () => {
    const h = await harness();
    await createSession(h.db, 'alice');
    const bob = await createSession(h.db, 'bob');
    expect(await refusalOf(h.broker.url, { clientId: 'alice:laptop', username: 'alice', password: bob.token })).toBe(BAD_CREDENTIALS);
  });

  it('refuses a client id that is not <username>:<device> of the same user', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    for (const clientId of ['bob:laptop', 'alice', 'alice:', 'alice:lap/top', randomGuestId(), 'svc:auth:1']) {
      expect(await refusalOf(h.broker.url, { clientId, username: 'alice', password: s.token }), clientId).toBe(IDENTIFIER_REJECTED);
    }
  });

  it('refuses an expired session and a revoked session', async () => {
    const h = await harness();
    const expired = await createSession(h.db, 'alice', { expiresAt: new Date(Date.now() - 1) });
    const revoked = await createSession(h.db, 'bob', { revokedAt: new Date() });
    expect(await refusalOf(h.broker.url, { clientId: 'alice:laptop', username: 'alice', password: expired.token })).toBe(BAD_CREDENTIALS);
    expect(await refusalOf(h.broker.url, { clientId: 'bob:laptop', username: 'bob', password: revoked.token })).toBe(BAD_CREDENTIALS);
  });

  it('never writes a token or a password into the log', async () => {
    const h = await harness();
    const s = await createSession(h.db, 'alice');
    await asUser(h.broker.url, s);
    await refusalOf(h.broker.url, { clientId: 'alice:phone', username: 'alice', password: `${s.sessionId}.${'B'.repeat(43)}` });
    await refusalOf(h.broker.url, { clientId: 'svc:auth:1', username: 'svc:auth', password: 'guessed-service-secret' });
    const log = h.lines().join('\n');
    expect(log).toContain('refused a connection');
    expect(log).toContain('client connected');
    expect(log).not.toContain(s.token.split('.')[1]);
    expect(log).not.toContain('B'.repeat(43));
    expect(log).not.toContain('guessed-service-secret');
    for (const secret of Object.values(h.credentials)) expect(log).not.toContain(secret);
  });
});

describe('services', () => {
  it('accepts a service with its secret and client id svc:<name>:<instance>', async () => {
    const h = await harness();
    const client = await asService(h, 'auth');
    expect(client.connected).toBe(true);
  });

  it("refuses a wrong secret, another service's secret, an unknown service and a mismatched client id", async () => {
    const h = await harness();
    const base = { clientId: 'svc:auth:1', username: 'svc:auth' };
    expect(await refusalOf(h.broker.url, { ...base, password: 'wrong' })).toBe(BAD_CREDENTIALS);
    expect(await refusalOf(h.broker.url, { ...base, password: h.credentials.likes! })).toBe(BAD_CREDENTIALS);
    expect(await refusalOf(h.broker.url, { clientId: 'svc:nosuch:1', username: 'svc:nosuch', password: 'x' })).toBe(BAD_CREDENTIALS);
    expect(await refusalOf(h.broker.url, { clientId: 'svc:likes:1', username: 'svc:auth', password: h.credentials.auth! })).toBe(IDENTIFIER_REJECTED);
    expect(await refusalOf(h.broker.url, { clientId: 'auth', username: 'svc:auth', password: h.credentials.auth! })).toBe(IDENTIFIER_REJECTED);
  });
});

describe('last wills', () => {
  it('refuses a connection whose last will names a topic the client may not publish on', async () => {
    const h = await harness();
    const will = { topic: 't/r/g:someoneelse1', payload: Buffer.from('x'), qos: 0 as const, retain: false };
    expect(await refusalOf(h.broker.url, { clientId: randomGuestId(), clean: true, will })).toBe(NOT_AUTHORIZED);
  });

  it('accepts a service whose retained last will is its own health topic', async () => {
    const h = await harness();
    const will = { topic: topics.serviceHealth('likes'), payload: Buffer.from('{"status":"down","service":"likes"}'), qos: 1 as const, retain: true };
    await asService(h, 'likes', { will });
  });
});

describe('revocation', () => {
  it('closes the live connections of a session when the auth service announces its revocation', async () => {
    const h = await harness();
    const alice = await createSession(h.db, 'alice');
    const other = await createSession(h.db, 'alice');
    const laptop = await asUser(h.broker.url, alice, 'laptop');
    const phone = await asUser(h.broker.url, other, 'phone');
    const auth = await asService(h, 'auth');
    const event: SessionRevokedEvent = { sessionIds: [alice.sessionId], username: 'alice', reason: 'logout' };
    const gone = closed(laptop);
    await auth.publishAsync(topics.sessionRevoked, JSON.stringify(event), { qos: 1 });
    await gone;
    expect(phone.connected).toBe(true);
    // …and the token no longer opens a connection, even before the DB row is updated.
    expect(await refusalOf(h.broker.url, { clientId: 'alice:laptop', username: 'alice', password: alice.token })).toBe(BAD_CREDENTIALS);
  });

  it('does not let a service other than auth announce revocations (its connection is closed instead)', async () => {
    const h = await harness();
    const alice = await createSession(h.db, 'alice');
    const laptop = await asUser(h.broker.url, alice);
    const likes = await asService(h, 'likes');
    const gone = closed(likes);
    likes.publish(topics.sessionRevoked, JSON.stringify({ sessionIds: [alice.sessionId], username: 'alice', reason: 'logout' }), { qos: 1 });
    await gone;
    // The positive control: the auth service can, so the user's connection stays only because likes was refused.
    const auth = await asService(h, 'auth');
    expect(laptop.connected).toBe(true);
    const userGone = closed(laptop);
    await auth.publishAsync(topics.sessionRevoked, JSON.stringify({ sessionIds: [alice.sessionId], username: 'alice', reason: 'logout' }), { qos: 1 });
    await userGone;
  });

  it('ignores a malformed revocation event and keeps running', async () => {
    const h = await harness();
    const alice = await createSession(h.db, 'alice');
    const laptop = await asUser(h.broker.url, alice);
    const auth = await asService(h, 'auth');
    await auth.publishAsync(topics.sessionRevoked, '{"sessionIds":"nope"}', { qos: 1 });
    await auth.publishAsync(topics.sessionRevoked, 'not json', { qos: 1 });
    expect(laptop.connected).toBe(true);
    expect(h.lines().join('\n')).toContain('ignored a malformed session-revoked event');
  });

  it('closes a user connection once its session has expired, at the next sweep', async () => {
    let clock = Date.now();
    const h = await harness({ now: () => clock, limits: { sessionSweepMs: 20 } });
    const alice = await createSession(h.db, 'alice', { expiresAt: new Date(clock + 60_000) });
    const laptop = await asUser(h.broker.url, alice);
    const guest = await asGuest(h.broker.url);
    const gone = closed(laptop);
    clock += 61_000;
    await gone;
    expect(guest.connected).toBe(true);
  });
});
