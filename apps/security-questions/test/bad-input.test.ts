import { malformedEnvelopes } from '@tidings/testkit';
import { MAX_REQUEST_BYTES, SECURITY_QUESTIONS, topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startRecovery, type Harness, type RawClient } from './helpers.js';

type GuestAction = 'recovery.question' | 'recovery.reset' | 'recovery.code';
type UserAction = 'security.set' | 'security.get' | 'recovery.codes';

/** A good body of each action (without the id). */
const VALID: Record<GuestAction | UserAction, Record<string, unknown>> = {
  'recovery.question': { username: 'alice' },
  'recovery.reset': { username: 'alice', answer: 'the answer', newPassword: 'a new password' },
  'recovery.code': { username: 'alice', code: 'abcde-fghjk', newPassword: 'a new password' },
  'security.set': { question: SECURITY_QUESTIONS[0], answer: 'the answer', currentPassword: 'alices password' },
  'security.get': {},
  'recovery.codes': { currentPassword: 'alices password' },
};

/** Payloads no client of ours would send; each must get BAD_REQUEST (or PAYLOAD_TOO_LARGE). */
function badPayloads(action: GuestAction | UserAction): { name: string; payload: string | Buffer; code: string }[] {
  const valid = VALID[action];
  const fields = Object.keys(valid);
  const cases = [
    ...malformedEnvelopes(valid),
    {
      name: 'more than 16 KiB',
      payload: JSON.stringify({ id: 'big', ...valid, padding: 'x'.repeat(MAX_REQUEST_BYTES) }),
      code: 'PAYLOAD_TOO_LARGE',
    },
  ];
  if (fields.length > 0) {
    cases.push(
      { name: 'wrong field types', payload: JSON.stringify({ id: 'w1', ...Object.fromEntries(fields.map((k) => [k, 12345])) }), code: 'BAD_REQUEST' },
      { name: 'missing fields', payload: JSON.stringify({ id: 'm1' }), code: 'BAD_REQUEST' },
      { name: 'null fields', payload: JSON.stringify({ id: 'n1', ...Object.fromEntries(fields.map((k) => [k, null])) }), code: 'BAD_REQUEST' },
      {
        name: 'fields as objects',
        payload: JSON.stringify({ id: 'o1', ...Object.fromEntries(fields.map((k) => [k, { toString: 'x' }])) }),
        code: 'BAD_REQUEST',
      },
      // Each string field over its limit (answers and questions 1000, codes 64, passwords 4096), under 16 KiB in all.
      ...fields.map((k) => ({ name: `${k} oversized`, payload: JSON.stringify({ id: 'l1', ...valid, [k]: 'y'.repeat(5000) }), code: 'BAD_REQUEST' })),
    );
  }
  return cases;
}

describeBackends('bad input', (backend) => {
  let h: Harness;
  afterEach(async () => h?.close());

  async function expectAllRefused(raw: RawClient, topic: string, action: GuestAction | UserAction) {
    for (const bad of badPayloads(action)) {
      const reply = await raw.send(topic, bad.payload);
      expect(reply.r, `${action} with ${bad.name}`).toBeUndefined();
      expect(reply.e?.code, `${action} with ${bad.name}`).toBe(bad.code);
      expect(typeof reply.e?.message).toBe('string');
    }
  }

  async function setUp() {
    h = await startRecovery(backend, { settings: { clientRecoveryAttempts: 1000, questionsPerClientPerMinute: 1000 } });
    const login = await h.userWithQuestion('alice', 'alices password', SECURITY_QUESTIONS[0], 'the answer');
    const conn = await h.user(login, 'codes');
    await conn.request('recovery.codes', { currentPassword: 'alices password' });
    return login;
  }

  for (const action of ['recovery.question', 'recovery.reset', 'recovery.code'] as const) {
    it(`answers every malformed ${action} with a typed error, changes nothing, and keeps serving`, async () => {
      await setUp();
      const before = await h.snapshot();
      const raw = await h.rawGuest();
      const topic = topics.guestRequest(raw.clientId, action);
      await expectAllRefused(raw, topic, action);
      await h.service.flushEvents();
      expect(await h.snapshot()).toEqual(before);
      const reply = await raw.send(topics.guestRequest(raw.clientId, 'recovery.question'), JSON.stringify({ id: 'ok-1', username: 'alice' }));
      expect(reply).toEqual({ id: 'ok-1', r: { question: SECURITY_QUESTIONS[0] } });
    });
  }

  for (const action of ['security.set', 'security.get', 'recovery.codes'] as const) {
    it(`answers every malformed ${action} with a typed error, changes nothing, and keeps serving`, async () => {
      const login = await setUp();
      const before = await h.snapshot();
      const raw = await h.rawUser(login);
      await expectAllRefused(raw, topics.userRequest(raw.clientId, action), action);
      expect(await h.snapshot()).toEqual(before);
      const reply = await raw.send(topics.userRequest(raw.clientId, 'security.get'), JSON.stringify({ id: 'ok-2' }));
      expect(reply).toMatchObject({ id: 'ok-2', r: { question: SECURITY_QUESTIONS[0], codesLeft: 10 } });
    });
  }

  it('a guest cannot reach the signed-in actions: the broker closes a connection that tries', async () => {
    await setUp();
    const raw = await h.rawGuest();
    const closed = new Promise<void>((resolve) => raw.client.once('close', () => resolve()));
    raw.client.publish(topics.guestRequest(raw.clientId, 'recovery.codes'), JSON.stringify({ id: 'x', currentPassword: 'alices password' }), { qos: 1 });
    await closed;
    expect(await h.stack.db.prisma.recoveryCode.count()).toBe(10);
  });
});
