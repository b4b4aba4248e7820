import { malformedEnvelopes } from '@tidings/testkit';
import { MAX_REQUEST_BYTES, topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startAuth, type AuthHarness, type RawClient } from './helpers.js';

type AuthAction =
  'auth.register' | 'auth.login' | 'auth.logout' | 'auth.passwd' | 'auth.whoami' | 'auth.sessions' | 'auth.revoke' | 'auth.rename' | 'auth.events';

/** Actions whose fields are all optional: an object with only an id (or unknown keys) is a good request there. */
const ALL_OPTIONAL: ReadonlySet<AuthAction> = new Set(['auth.whoami', 'auth.sessions', 'auth.events']);

/** Payloads no client of ours would send, and the error code each must get. */
function badPayloads(action: AuthAction): { name: string; payload: string | Buffer; code: string }[] {
  const fields: Record<AuthAction, Record<string, unknown>> = {
    'auth.register': { username: 'mallory', password: 'a good password' },
    'auth.login': { username: 'mallory', password: 'a good password', device: 'laptop' },
    'auth.logout': { sessionId: 'some-session-id' },
    'auth.passwd': { currentPassword: 'a good password', newPassword: 'a better password' },
    'auth.whoami': {},
    'auth.sessions': { sessionId: 'some-session-id' },
    'auth.revoke': { sessionId: 'some-session-id' },
    'auth.rename': { sessionId: 'some-session-id', name: 'Work laptop' },
    'auth.events': { limit: 10 },
  };
  const valid = fields[action];
  const wrongTypes: Record<string, unknown> =
    Object.keys(valid).length > 0 ? { id: 'w1', ...Object.fromEntries(Object.keys(valid).map((k) => [k, 12345])) } : { id: ['w1'] };
  const missing = ALL_OPTIONAL.has(action) ? { notId: 'x' } : { id: 'm1' };
  return [
    ...malformedEnvelopes(valid),
    { name: 'wrong field types', payload: JSON.stringify(wrongTypes), code: 'BAD_REQUEST' },
    { name: 'missing fields', payload: JSON.stringify(missing), code: 'BAD_REQUEST' },
    { name: '__proto__ keys instead of fields', payload: `{"id":"p1","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}`, code: 'BAD_REQUEST' },
    {
      name: 'more than 16 KiB',
      payload: JSON.stringify({ id: 'big', ...valid, padding: 'x'.repeat(MAX_REQUEST_BYTES) }),
      code: 'PAYLOAD_TOO_LARGE',
    },
    { name: 'a limit out of range', payload: JSON.stringify({ id: 'r1', limit: 100_000 }), code: 'BAD_REQUEST' },
    { name: 'a session id too long', payload: JSON.stringify({ id: 'r2', sessionId: 'x'.repeat(65) }), code: 'BAD_REQUEST' },
    { name: 'a device name too long', payload: JSON.stringify({ id: 'r3', ...valid, name: 'x'.repeat(65) }), code: 'BAD_REQUEST' },
    { name: 'a device name of two lines', payload: JSON.stringify({ id: 'r4', ...valid, name: 'a\nb' }), code: 'BAD_REQUEST' },
    // With only optional fields, unknown keys alone make no bad request.
  ].filter(
    (c) =>
      !(ALL_OPTIONAL.has(action) && c.name === '__proto__ keys instead of fields') &&
      !(c.name === 'a limit out of range' && action !== 'auth.events') &&
      !(c.name === 'a session id too long' && !['auth.sessions', 'auth.revoke', 'auth.rename', 'auth.logout'].includes(action)) &&
      !(c.name.startsWith('a device name') && !['auth.rename', 'auth.login'].includes(action)),
  );
}

describeBackends('bad input', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  async function expectAllRefused(raw: RawClient, topic: string, action: AuthAction) {
    for (const bad of badPayloads(action)) {
      const reply = await raw.send(topic, bad.payload);
      expect(reply.r, `${action} with ${bad.name}`).toBeUndefined();
      expect(reply.e?.code, `${action} with ${bad.name}`).toBe(bad.code);
      expect(typeof reply.e?.message).toBe('string');
    }
  }

  for (const action of ['auth.register', 'auth.login'] as const) {
    it(`answers every malformed ${action} with a typed error, changes nothing, and keeps serving`, async () => {
      h = await startAuth(backend, { settings: { clientAttemptsPerMinute: 1000 } });
      await h.register('alice', 'correct horse battery');
      const before = await h.counts();
      const raw = await h.rawGuest();
      await expectAllRefused(raw, topics.guestRequest(raw.clientId, action), action);
      expect(await h.counts()).toEqual(before);

      const valid =
        action === 'auth.register'
          ? { id: 'ok-1', username: 'bob', password: 'bobs password' }
          : { id: 'ok-1', username: 'alice', password: 'correct horse battery' };
      const reply = await raw.send(topics.guestRequest(raw.clientId, action), JSON.stringify(valid));
      expect(reply).toMatchObject({ id: 'ok-1', r: expect.anything() });
    });
  }

  for (const action of ['auth.logout', 'auth.passwd', 'auth.whoami', 'auth.sessions', 'auth.revoke', 'auth.rename', 'auth.events'] as const) {
    it(`answers every malformed ${action} with a typed error, changes nothing, and keeps serving`, async () => {
      h = await startAuth(backend);
      await h.register('carol', 'correct horse battery');
      const login = await h.login('carol', 'correct horse battery');
      const named = () => h.stack.db.prisma.session.count({ where: { name: { not: null } } });
      const before = { ...(await h.counts()), events: await h.stack.db.prisma.accountEvent.count(), named: await named() };
      const hashBefore = (await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'carol' } })).passwordHash;
      const raw = await h.rawUser(login);
      const topic = topics.userRequest(raw.clientId, action);
      await expectAllRefused(raw, topic, action);
      expect({ ...(await h.counts()), events: await h.stack.db.prisma.accountEvent.count(), named: await named() }).toEqual(before);
      const hashAfter = (await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'carol' } })).passwordHash;
      expect(hashAfter).toBe(hashBefore);

      const reply = await raw.send(topics.userRequest(raw.clientId, 'auth.whoami'), JSON.stringify({ id: 'ok-2' }));
      expect(reply).toMatchObject({ id: 'ok-2', r: { username: 'carol' } });
    });
  }

  it('echoes a readable correlation id on a schema error and null when there is none', async () => {
    h = await startAuth(backend);
    const raw = await h.rawGuest();
    const topic = topics.guestRequest(raw.clientId, 'auth.login');
    expect(await raw.send(topic, JSON.stringify({ id: 'abc', username: 5 }))).toMatchObject({ id: 'abc', e: expect.anything() });
    expect(await raw.send(topic, 'nope')).toMatchObject({ id: null, e: expect.anything() });
  });
});
