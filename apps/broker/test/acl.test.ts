import { describe, expect, it } from 'vitest';
import { canPublish, canReceive, canRetain, canSubscribe, type Identity } from '../src/acl.js';

const guest: Identity = { kind: 'guest', clientId: 'g:guest0001' };
const alice: Identity = { kind: 'user', username: 'alice', clientId: 'alice:laptop', sessionId: 's'.repeat(16), expiresAt: Date.now() + 60_000 };
const auth: Identity = { kind: 'service', service: 'auth', clientId: 'svc:auth:1' };
const likes: Identity = { kind: 'service', service: 'likes', clientId: 'svc:likes:1' };

type Row = [who: string, identity: Identity, topic: string, allowed: boolean];
const cases = (rows: Row[]) => rows.map(([who, identity, topic, allowed]) => ({ who, identity, topic, allowed, verdict: allowed ? 'may' : 'may not' }));

describe('canPublish', () => {
  const rows: Row[] = [
    // guests: their own guest requests, for guest actions only
    ['guest', guest, 't/g/g:guest0001/auth.login', true],
    ['guest', guest, 't/g/g:guest0001/auth.register', true],
    ['guest', guest, 't/g/g:other0001/auth.login', false],
    ['guest', guest, 't/g/g:guest0001/auth.whoami', false],
    ['guest', guest, 't/g/g:guest0001/auth.nosuch', false],
    ['guest', guest, 't/u/alice/alice:laptop/auth.whoami', false],
    ['guest', guest, 't/r/g:guest0001', false],
    ['guest', guest, 't/svc/health/auth', false],
    // users: their own username and client id, user actions only
    ['user', alice, 't/u/alice/alice:laptop/auth.whoami', true],
    ['user', alice, 't/u/alice/alice:laptop/auth.logout', true],
    ['user', alice, 't/u/alice/alice:phone/auth.whoami', false],
    ['user', alice, 't/u/bob/alice:laptop/auth.whoami', false],
    ['user', alice, 't/u/bob/bob:laptop/auth.whoami', false],
    ['user', alice, 't/u/alice/alice:laptop/auth.login', false],
    ['user', alice, 't/g/alice:laptop/auth.login', false],
    ['user', alice, 't/r/alice:laptop', false],
    ['user', alice, 't/r/bob:laptop', false],
    ['user', alice, 't/svc/session-revoked', false],
    // services: replies to anyone, their own health, revocations for auth only
    ['service', auth, 't/r/g:guest0001', true],
    ['service', auth, 't/r/alice:laptop', true],
    ['service', auth, 't/svc/health/auth', true],
    ['service', auth, 't/svc/session-revoked', true],
    ['service', likes, 't/svc/session-revoked', false],
    ['service', likes, 't/svc/health/auth', false],
    ['service', likes, 't/svc/health/likes', true],
    ['service', auth, 't/r/a/b', false],
    ['service', auth, 't/r', false],
    ['service', auth, 't/r/', false],
    ['service', auth, 't/g/g:guest0001/auth.login', false],
    ['service', auth, 't/u/alice/alice:laptop/auth.whoami', false],
  ];
  it.each(cases(rows))('a $who $verdict publish on $topic', ({ identity, topic, allowed }) => {
    expect(canPublish(identity, topic)).toBe(allowed);
  });

  it.each([guest, alice, auth])('refuses wildcards, empty levels and system topics to $kind $clientId', (identity) => {
    for (const topic of ['#', '+', 't/r/+', 't/r/#', '$SYS/x', '$SYS/#', '', '/', 't//r', 't/r/g:guest0001/', 't/svc/health/+']) {
      expect(canPublish(identity, topic), topic).toBe(false);
    }
  });
});

describe('canSubscribe', () => {
  const rows: Row[] = [
    ['guest', guest, 't/r/g:guest0001', true],
    ['guest', guest, 't/r/g:other0001', false],
    ['guest', guest, 't/r/+', false],
    ['guest', guest, 't/g/g:guest0001/auth.login', false],
    ['user', alice, 't/r/alice:laptop', true],
    ['user', alice, 't/r/alice:phone', false],
    ['user', alice, 't/r/bob:laptop', false],
    ['user', alice, 't/r/+', false],
    ['user', alice, 't/u/alice/alice:laptop/auth.whoami', false],
    ['user', alice, 't/u/+/+/auth.whoami', false],
    // auth serves guest and user actions: exactly their request filters
    ['service', auth, 't/g/+/auth.login', true],
    ['service', auth, 't/g/+/auth.register', true],
    ['service', auth, 't/u/+/+/auth.whoami', true],
    ['service', auth, 't/u/+/+/auth.logout', true],
    ['service', auth, 't/svc/health/+', true],
    ['service', auth, 't/svc/health/likes', true],
    // …but not an action of the wrong audience, nor another service's
    ['service', auth, 't/u/+/+/auth.login', false],
    ['service', auth, 't/g/+/auth.whoami', false],
    ['service', likes, 't/g/+/auth.login', false],
    ['service', likes, 't/u/+/+/auth.whoami', false],
    ['service', auth, 't/g/#', false],
    ['service', auth, 't/g/+/+', false],
    ['service', auth, 't/u/#', false],
    ['service', auth, 't/r/+', false],
    ['service', auth, 't/r/#', false],
    ['service', auth, 't/svc/#', false],
    ['service', auth, 't/svc/session-revoked', false],
  ];
  it.each(cases(rows))('a $who $verdict subscribe to $topic', ({ identity, topic, allowed }) => {
    expect(canSubscribe(identity, topic)).toBe(allowed);
  });

  it.each([guest, alice, auth, likes])('refuses #, t/#, the system topics, + and malformed filters to $kind $clientId', (identity) => {
    for (const filter of ['#', 't/#', '$SYS/#', '$SYS/+/new/clients', '+', '+/+', 't/+', 't/r/#', '', 't//r', 't/r/g:guest0001/', 't/svc/health/a+', 't/svc/health/#']) {
      expect(canSubscribe(identity, filter), filter).toBe(false);
    }
  });
});

describe('canReceive', () => {
  it('delivers a client its own replies and nothing else', () => {
    expect(canReceive(guest, 't/r/g:guest0001')).toBe(true);
    expect(canReceive(guest, 't/r/g:other0001')).toBe(false);
    expect(canReceive(alice, 't/r/alice:laptop')).toBe(true);
    expect(canReceive(alice, 't/r/bob:laptop')).toBe(false);
  });

  it('delivers a service the concrete requests of its own actions', () => {
    expect(canReceive(auth, 't/g/g:guest0001/auth.login')).toBe(true);
    expect(canReceive(auth, 't/u/alice/alice:laptop/auth.whoami')).toBe(true);
    expect(canReceive(auth, 't/r/alice:laptop')).toBe(false);
    expect(canReceive(likes, 't/g/g:guest0001/auth.login')).toBe(false);
    expect(canReceive(auth, 't/g/+/auth.login')).toBe(false);
  });
});

describe('canRetain', () => {
  it('lets only services publish retained messages', () => {
    expect(canRetain(auth)).toBe(true);
    expect(canRetain(guest)).toBe(false);
    expect(canRetain(alice)).toBe(false);
  });
});
