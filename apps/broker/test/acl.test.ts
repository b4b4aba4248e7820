import { ROOM_MEMBERS_MAX } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { canPublish, canReceive, canRetain, canSubscribe, canWill, isDevicePresencePayload, type Identity } from '../src/acl.js';
import { EVERY_ROOM_PUBLIC as publicRooms, RoomAccess } from '../src/room-access.js';

const guest: Identity = { kind: 'guest', clientId: 'g:guest0001' };
const alice: Identity = { kind: 'user', username: 'alice', clientId: 'alice:laptop', sessionId: 's'.repeat(16), expiresAt: Date.now() + 60_000 };
const auth: Identity = { kind: 'service', service: 'auth', clientId: 'svc:auth:1' };
const likes: Identity = { kind: 'service', service: 'likes', clientId: 'svc:likes:1' };
const recovery: Identity = { kind: 'service', service: 'security-questions', clientId: 'svc:security-questions:1' };

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
    ['guest', guest, 't/u/alice:laptop/auth.whoami', false],
    ['guest', guest, 't/u/g:guest0001/auth.whoami', false],
    ['guest', guest, 't/u/g:guest0001/auth.login', false],
    ['guest', guest, 't/r/g:guest0001', false],
    ['guest', guest, 't/svc/health/auth', false],
    // users: their own client id (which holds their username), user actions only
    ['user', alice, 't/u/alice:laptop/auth.whoami', true],
    ['user', alice, 't/u/alice:laptop/auth.logout', true],
    ['user', alice, 't/u/alice:phone/auth.whoami', false],
    ['user', alice, 't/u/bob:laptop/auth.whoami', false],
    ['user', alice, 't/u/alice:laptop/auth.login', false],
    ['user', alice, 't/u/alice:laptop/auth.nosuch', false],
    ['user', alice, 't/u/alice/auth.whoami', false],
    ['user', alice, 't/u/g:guest0001/auth.whoami', false],
    // the old shape with the username before the client id is no request topic any more
    ['user', alice, 't/u/alice/alice:laptop/auth.whoami', false],
    ['user', alice, 't/u/bob/alice:laptop/auth.whoami', false],
    ['user', alice, 't/u/alice:laptop/auth.whoami/x', false],
    ['user', alice, 't/g/alice:laptop/auth.login', false],
    ['user', alice, 't/r/alice:laptop', false],
    ['user', alice, 't/r/bob:laptop', false],
    ['user', alice, 't/svc/session-revoked', false],
    // services: replies to anyone, their own health, revocations for auth and security-questions only
    ['service', auth, 't/r/g:guest0001', true],
    ['service', auth, 't/r/alice:laptop', true],
    ['service', auth, 't/svc/health/auth', true],
    ['service', auth, 't/svc/session-revoked', true],
    ['service', likes, 't/svc/session-revoked', false],
    ['service', recovery, 't/svc/session-revoked', true],
    ['service', recovery, 't/svc/health/auth', false],
    ['service', likes, 't/svc/health/auth', false],
    ['service', likes, 't/svc/health/likes', true],
    ['service', auth, 't/r/a/b', false],
    ['service', auth, 't/r', false],
    ['service', auth, 't/r/', false],
    ['service', auth, 't/g/g:guest0001/auth.login', false],
    ['service', auth, 't/u/alice:laptop/auth.whoami', false],
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
    ['user', alice, 't/u/alice:laptop/auth.whoami', false],
    ['user', alice, 't/u/+/auth.whoami', false],
    // auth serves guest and user actions: exactly their request filters
    ['service', auth, 't/g/+/auth.login', true],
    ['service', auth, 't/g/+/auth.register', true],
    ['service', auth, 't/u/+/auth.whoami', true],
    ['service', auth, 't/u/+/auth.logout', true],
    ['service', auth, 't/u/+/+/auth.whoami', false],
    ['service', auth, 't/svc/health/+', true],
    ['service', auth, 't/svc/health/likes', true],
    // …but not an action of the wrong audience, nor another service's
    ['service', auth, 't/u/+/auth.login', false],
    ['service', auth, 't/g/+/auth.whoami', false],
    ['service', likes, 't/g/+/auth.login', false],
    ['service', likes, 't/u/+/auth.whoami', false],
    ['service', recovery, 't/g/+/recovery.reset', true],
    ['service', recovery, 't/u/+/recovery.codes', true],
    ['service', recovery, 't/g/+/recovery.codes', false],
    ['service', recovery, 't/g/+/auth.login', false],
    ['service', auth, 't/g/#', false],
    ['service', auth, 't/g/+/+', false],
    ['service', auth, 't/u/#', false],
    ['service', auth, 't/r/+', false],
    ['service', auth, 't/r/#', false],
    ['service', auth, 't/svc/#', false],
    ['service', auth, 't/svc/session-revoked', false],
  ];
  it.each(cases(rows))('a $who $verdict subscribe to $topic', ({ identity, topic, allowed }) => {
    expect(canSubscribe(identity, topic, publicRooms)).toBe(allowed);
  });

  it.each([guest, alice, auth, likes])('refuses #, t/#, the system topics, + and malformed filters to $kind $clientId', (identity) => {
    for (const filter of [
      '#',
      't/#',
      '$SYS/#',
      '$SYS/+/new/clients',
      '+',
      '+/+',
      't/+',
      't/r/#',
      '',
      't//r',
      't/r/g:guest0001/',
      't/svc/health/a+',
      't/svc/health/#',
    ]) {
      expect(canSubscribe(identity, filter, publicRooms), filter).toBe(false);
    }
  });
});

describe('canReceive', () => {
  it('delivers a client its own replies and nothing else', () => {
    expect(canReceive(guest, 't/r/g:guest0001', publicRooms)).toBe(true);
    expect(canReceive(guest, 't/r/g:other0001', publicRooms)).toBe(false);
    expect(canReceive(alice, 't/r/alice:laptop', publicRooms)).toBe(true);
    expect(canReceive(alice, 't/r/bob:laptop', publicRooms)).toBe(false);
  });

  it('delivers a service the concrete requests of its own actions', () => {
    expect(canReceive(auth, 't/g/g:guest0001/auth.login', publicRooms)).toBe(true);
    expect(canReceive(auth, 't/u/alice:laptop/auth.whoami', publicRooms)).toBe(true);
    expect(canReceive(likes, 't/u/alice:laptop/auth.whoami', publicRooms)).toBe(false);
    expect(canReceive(auth, 't/r/alice:laptop', publicRooms)).toBe(false);
    expect(canReceive(likes, 't/g/g:guest0001/auth.login', publicRooms)).toBe(false);
    expect(canReceive(auth, 't/g/+/auth.login', publicRooms)).toBe(false);
  });
});

describe('canRetain', () => {
  it('lets services retain anything and a device only its own presence', () => {
    expect(canRetain(auth, 't/svc/health/auth')).toBe(true);
    expect(canRetain(guest, 't/g/g:guest0001/auth.login')).toBe(false);
    expect(canRetain(alice, 't/u/alice:laptop/chat.send')).toBe(false);
    expect(canRetain(alice, 't/d/alice/alice:laptop')).toBe(true);
    expect(canRetain(alice, 't/d/alice/alice:phone')).toBe(false);
    expect(canRetain(alice, 't/d/bob/bob:laptop')).toBe(false);
  });
});

describe('chat rules', () => {
  const store: Identity = { kind: 'service', service: 'chat-store', clientId: 'svc:chat-store:1' };
  const presence: Identity = { kind: 'service', service: 'presence', clientId: 'svc:presence:1' };
  const query: Identity = { kind: 'service', service: 'chat-query', clientId: 'svc:chat-query:1' };

  it.each(
    cases([
      ['user', alice, 't/d/alice/alice:laptop', true],
      ['user', alice, 't/d/alice/alice:phone', false],
      ['user', alice, 't/d/bob/bob:laptop', false],
      ['user', alice, 't/room/general', false],
      ['user', alice, 't/inbox/alice', false],
      ['user', alice, 't/p/alice', false],
      ['user', alice, 't/u/alice:laptop/chat.send', true],
      ['user', alice, 't/u/alice:laptop/chat.typing', true],
      ['user', alice, 't/u/bob:laptop/chat.send', false],
      ['service', store, 't/room/general', true],
      ['service', store, 't/inbox/bob', true],
      ['service', store, 't/p/bob', false],
      ['service', likes, 't/room/general', true],
      ['service', presence, 't/p/bob', true],
      ['service', presence, 't/room/general', true],
      ['service', query, 't/room/general', false],
      ['service', query, 't/inbox/bob', false],
      ['service', auth, 't/room/general', false],
      ['guest', guest, 't/room/general', false],
    ]),
  )('a $who $verdict publish on $topic', ({ identity, topic, allowed }) => {
    expect(canPublish(identity, topic)).toBe(allowed);
  });

  it.each(
    cases([
      ['user', alice, 't/room/general', true],
      ['user', alice, 't/room/+', false],
      ['user', alice, 't/inbox/alice', true],
      ['user', alice, 't/inbox/bob', false],
      ['user', alice, 't/inbox/+', false],
      ['user', alice, 't/p/+', true],
      ['user', alice, 't/p/bob', true],
      ['user', alice, 't/d/+/+', false],
      ['user', alice, 't/d/bob/bob:laptop', false],
      ['guest', guest, 't/room/general', false],
      ['guest', guest, 't/p/+', false],
      ['service', presence, 't/d/+/+', true],
      ['service', store, 't/d/+/+', false],
      ['service', store, 't/u/+/chat.send', true],
      ['service', store, 't/u/+/like.add', false],
      ['service', likes, 't/u/+/like.add', true],
      ['service', presence, 't/u/+/chat.typing', true],
      ['service', store, 't/inbox/+', false],
    ]),
  )('a $who $verdict subscribe to $topic', ({ identity, topic, allowed }) => {
    expect(canSubscribe(identity, topic, publicRooms)).toBe(allowed);
  });
});

describe('private rooms', () => {
  const bob: Identity = { kind: 'user', username: 'bob', clientId: 'bob:phone', sessionId: 'b'.repeat(16), expiresAt: Date.now() + 60_000 };
  const store: Identity = { kind: 'service', service: 'chat-store', clientId: 'svc:chat-store:1' };
  const rooms = () => {
    const r = new RoomAccess();
    r.load([
      { room: 'secret', username: 'alice' },
      { room: 'secret', username: 'carol' },
      { room: 'empty', username: null },
    ]);
    return r;
  };

  it('lets members subscribe to and receive a private room, and nobody else', () => {
    const r = rooms();
    expect(canSubscribe(alice, 't/room/secret', r)).toBe(true);
    expect(canReceive(alice, 't/room/secret', r)).toBe(true);
    expect(canSubscribe(bob, 't/room/secret', r)).toBe(false);
    expect(canReceive(bob, 't/room/secret', r)).toBe(false);
    expect(canSubscribe(bob, 't/room/empty', r)).toBe(false);
    // public rooms unchanged
    expect(canSubscribe(bob, 't/room/general', r)).toBe(true);
    expect(canReceive(bob, 't/room/general', r)).toBe(true);
  });

  it('refuses t/room/+ to every user, member or not', () => {
    expect(canSubscribe(alice, 't/room/+', rooms())).toBe(false);
    expect(canSubscribe(bob, 't/room/+', rooms())).toBe(false);
    expect(canSubscribe(bob, 't/room/+', publicRooms)).toBe(false);
  });

  it('follows membership changes, and keeps a room private after its last member left', () => {
    const r = rooms();
    expect(r.apply({ r: 'secret', u: 'alice', on: false })).toBe('changed');
    expect(canReceive(alice, 't/room/secret', r)).toBe(false);
    expect(r.apply({ r: 'secret', u: 'bob', on: true })).toBe('changed');
    expect(canSubscribe(bob, 't/room/secret', r)).toBe(true);
    expect(r.apply({ r: 'secret', u: 'bob', on: true })).toBe('unchanged');
    r.apply({ r: 'secret', u: 'bob', on: false });
    r.apply({ r: 'secret', u: 'carol', on: false });
    expect(r.isPrivate('secret')).toBe(true);
    expect(canSubscribe(bob, 't/room/secret', r)).toBe(false);
    expect(r.size()).toEqual({ rooms: 2, memberships: 0 });
  });

  it('makes a room private when an event first names it, even a removal', () => {
    const r = new RoomAccess();
    expect(r.apply({ r: 'later', u: 'alice', on: false })).toBe('changed');
    expect(canSubscribe(bob, 't/room/later', r)).toBe(false);
    expect(canSubscribe(alice, 't/room/later', r)).toBe(false);
  });

  it('holds at most ROOM_MEMBERS_MAX members per room, refusing (not admitting) the one past it', () => {
    const r = new RoomAccess();
    r.load(Array.from({ length: ROOM_MEMBERS_MAX + 5 }, (_, i) => ({ room: 'big', username: `user${i}` })));
    expect(r.size()).toEqual({ rooms: 1, memberships: ROOM_MEMBERS_MAX });
    expect(r.mayRead('big', `user${ROOM_MEMBERS_MAX}`)).toBe(false);
    expect(r.apply({ r: 'big', u: 'late', on: true })).toBe('full');
    expect(canSubscribe({ ...bob, username: 'late' }, 't/room/big', r)).toBe(false);
    expect(r.apply({ r: 'big', u: 'user0', on: false })).toBe('changed');
    expect(r.apply({ r: 'big', u: 'late', on: true })).toBe('changed');
    expect(r.mayRead('big', 'late')).toBe(true);
  });

  it('does not change what services may do on room topics', () => {
    const r = rooms();
    expect(canPublish(store, 't/room/secret')).toBe(true);
    expect(canSubscribe(store, 't/room/secret', r)).toBe(false);
  });

  it('lets chat-store alone publish room access, and nobody subscribe to it', () => {
    expect(canPublish(store, 't/svc/room-access')).toBe(true);
    for (const identity of [auth, likes, recovery, alice, guest]) expect(canPublish(identity, 't/svc/room-access'), identity.clientId).toBe(false);
    for (const identity of [store, auth, alice, guest]) expect(canSubscribe(identity, 't/svc/room-access', publicRooms), identity.clientId).toBe(false);
  });
});

describe('canWill', () => {
  const w = (topic: string, payload: string, retain = true) => ({ topic, payload: Buffer.from(payload), retain });
  it('allows a device only `0` on its own device topic', () => {
    expect(canWill(alice, w('t/d/alice/alice:laptop', '0'))).toBe(true);
    expect(canWill(alice, w('t/d/alice/alice:laptop', '0', false))).toBe(true);
    expect(canWill(alice, w('t/d/alice/alice:laptop', '1'))).toBe(false);
    expect(canWill(alice, w('t/d/alice/alice:laptop', '00'))).toBe(false);
    expect(canWill(alice, w('t/d/alice/alice:phone', '0'))).toBe(false);
    expect(canWill(alice, w('t/u/alice:laptop/auth.revoke', '{"id":"x","sessionId":"abcdefghijklmnop"}', false))).toBe(false);
    expect(canWill(alice, w('t/u/alice:laptop/chat.send', '{"id":"x","c":"general","x":"hi"}', false))).toBe(false);
  });
  it('gives a guest none and a service what it may publish', () => {
    expect(canWill(guest, w('t/g/g:guest0001/auth.login', '{}', false))).toBe(false);
    expect(canWill(likes, w('t/svc/health/likes', '{"status":"down","service":"likes"}'))).toBe(true);
    expect(canWill(likes, w('t/svc/health/auth', '{"status":"down","service":"auth"}'))).toBe(false);
    expect(canWill(auth, w('t/svc/session-revoked', '{}', false))).toBe(true);
  });
});

describe('isDevicePresencePayload', () => {
  it('is 1 or 0 and nothing else', () => {
    expect(['1', '0'].map((p) => isDevicePresencePayload(Buffer.from(p)))).toEqual([true, true]);
    expect(['', '10', ' 1', 'x'.repeat(60_000), '\u0000', 'true'].map((p) => isDevicePresencePayload(Buffer.from(p)))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('topic levels', () => {
  it('refuses U+0000 and levels over 128 characters in filters and topics', () => {
    expect(canSubscribe(alice, `t/room/${'a'.repeat(128)}`, publicRooms)).toBe(true);
    expect(canSubscribe(alice, `t/room/${'a'.repeat(129)}`, publicRooms)).toBe(false);
    expect(canSubscribe(alice, `t/room/${'a'.repeat(60_000)}`, publicRooms)).toBe(false);
    expect(canSubscribe(alice, 't/room/gen\u0000eral', publicRooms)).toBe(false);
    expect(canSubscribe(alice, 't/p/\u0000', publicRooms)).toBe(false);
    expect(canPublish(likes, 't/room/gen\u0000eral')).toBe(false);
    expect(canPublish(likes, `t/room/${'a'.repeat(129)}`)).toBe(false);
    expect(canReceive(alice, 't/room/gen\u0000eral', publicRooms)).toBe(false);
  });
});
