import { describe, expect, it } from 'vitest';
import {
  GUEST_ACTIONS,
  USER_ACTIONS,
  guestClientId,
  parseClientId,
  parseTopic,
  topics,
  userClientId,
  parseMessageRef,
  formatMessageRef,
  parseRef,
  ConversationRef,
} from '../src/index.js';

describe('topics', () => {
  it('parses the guest request topic it builds', () => {
    const clientId = guestClientId('abcdefgh12');
    expect(parseTopic(topics.guestRequest(clientId, 'auth.login'))).toEqual({
      kind: 'guest-request',
      clientId,
      action: 'auth.login',
    });
  });

  it('parses the user request topic it builds', () => {
    const clientId = userClientId('alice', 'laptop');
    expect(topics.userRequest(clientId, 'auth.whoami')).toBe('t/u/alice:laptop/auth.whoami');
    expect(parseTopic(topics.userRequest(clientId, 'auth.whoami'))).toEqual({
      kind: 'user-request',
      username: 'alice',
      clientId: 'alice:laptop',
      action: 'auth.whoami',
    });
  });

  it('parses reply and service topics', () => {
    expect(parseTopic(topics.reply('g:abcdefgh'))).toEqual({ kind: 'reply', clientId: 'g:abcdefgh' });
    expect(parseTopic(topics.sessionRevoked)).toEqual({ kind: 'service', path: ['session-revoked'] });
  });

  it.each([
    'x/g/a/auth.login',
    't/g/a',
    't/g/a/auth.login/extra',
    't/g//auth.login',
    't/u/alice:x',
    't/u/alice:x/NOT_AN_ACTION',
    't/u/alice:x/auth.whoami/extra',
    't/u//auth.whoami',
    // the old shape, with the username repeated before the client id
    't/u/alice/alice:x/auth.whoami',
    // a level that is not a signed-in client id: no username can be read from it
    't/u/alice/auth.whoami',
    't/u/g:abcdefgh/auth.whoami',
    't/u/svc:auth:x1/auth.whoami',
    't/u/Alice:x/auth.whoami',
    't/u/alice:has space/auth.whoami',
    't/r',
    't/r/a/b',
    't/zzz/a',
    '',
  ])('rejects the malformed topic %j', (topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it('builds subscription filters with single-level wildcards only', () => {
    expect(topics.guestRequestFilter('auth.login')).toBe('t/g/+/auth.login');
    expect(topics.userRequestFilter('auth.logout')).toBe('t/u/+/auth.logout');
  });
});

describe('client ids', () => {
  it('classifies guests, users and services by shape', () => {
    expect(parseClientId('g:abcdefgh')).toEqual({ kind: 'guest' });
    expect(parseClientId('alice:phone-1')).toEqual({ kind: 'user', username: 'alice', device: 'phone-1' });
    expect(parseClientId('svc:auth:x1')).toEqual({ kind: 'service', service: 'auth' });
  });

  it.each(['g:short', 'Alice:phone', 'al:phone', 'alice:', 'alice:has space', 'alice:a/b', 'alice:#', 'plain', 'svc:auth:x:y'])('calls %j invalid', (id) => {
    expect(parseClientId(id)).toEqual({ kind: 'invalid' });
  });

  it('never lets a username look like a guest or service client id', () => {
    // usernames have at least 3 characters, so `g:` and `svc:` prefixes cannot be a user's
    expect(parseClientId('svc:phone')).toEqual({ kind: 'user', username: 'svc', device: 'phone' });
    expect(parseClientId('g:abcdefgh').kind).toBe('guest');
  });
});

describe('operations', () => {
  it('splits actions into guest and user audiences without overlap', () => {
    expect([...GUEST_ACTIONS].sort()).toEqual(['auth.login', 'auth.register', 'recovery.code', 'recovery.question', 'recovery.reset']);
    for (const a of GUEST_ACTIONS) expect(USER_ACTIONS.has(a)).toBe(false);
    expect(USER_ACTIONS.has('auth.logout')).toBe(true);
    expect(USER_ACTIONS.has('chat.send')).toBe(true);
    expect(USER_ACTIONS.has('recovery.codes')).toBe(true);
    expect(USER_ACTIONS.has('security.set')).toBe(true);
  });
});

describe('chat topics and refs', () => {
  it('parses the live topics it builds', () => {
    expect(parseTopic(topics.room('general'))).toEqual({ kind: 'room', name: 'general' });
    expect(parseTopic(topics.inbox('bob'))).toEqual({ kind: 'inbox', username: 'bob' });
    expect(parseTopic(topics.presence('bob'))).toEqual({ kind: 'presence', username: 'bob' });
    expect(parseTopic(topics.devicePresence('bob', 'bob:phone'))).toEqual({ kind: 'device-presence', username: 'bob', clientId: 'bob:phone' });
  });

  it('reads message references as people type them', () => {
    expect(parseMessageRef('general#12')).toEqual({ c: 'general', s: 12 });
    expect(parseMessageRef('@bob#3')).toEqual({ c: '@bob', s: 3 });
    expect(formatMessageRef('@bob', 3)).toBe('@bob#3');
    for (const bad of ['general', '#3', 'general#0', 'general#x', 'Bad Room#1', '@b#1']) expect(parseMessageRef(bad)).toBeNull();
  });

  it('tells a room from a direct conversation', () => {
    expect(parseRef('@alice')).toEqual({ kind: 'dm', username: 'alice' });
    expect(parseRef('general')).toEqual({ kind: 'room', name: 'general' });
    expect(ConversationRef.safeParse('@al').success).toBe(false);
    expect(ConversationRef.safeParse('x').success).toBe(false);
    expect(ConversationRef.safeParse('ok-room_1').success).toBe(true);
  });
});
