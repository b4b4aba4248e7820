import { malformedEnvelopes } from '@tidings/testkit';
import { MAX_REQUEST_BYTES } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChatQuery, type QueryHarness, type RawClient } from './helpers.js';

const ACTIONS = ['chat.history', 'chat.conversations', 'room.list', 'user.list', 'room.info', 'room.members'] as const;
type QueryAction = (typeof ACTIONS)[number];

/** The fields of a good request of each action (the list actions have none). */
const VALID: Record<QueryAction, Record<string, unknown>> = {
  'chat.history': { c: 'general' },
  'chat.conversations': {},
  'room.list': {},
  'user.list': {},
  'room.info': { name: 'general' },
  'room.members': { name: 'general' },
};

/** Payloads no client of ours would send, and the error code each must get. */
function badPayloads(action: QueryAction): { name: string; payload: string | Buffer; code: string }[] {
  const common = [
    // the list actions have no fields: text in an unknown key is ignored, not refused
    ...malformedEnvelopes(VALID[action]),
    { name: 'a correlation id of 65 characters', payload: JSON.stringify({ id: 'x'.repeat(65) }), code: 'BAD_REQUEST' },
    {
      name: 'more than 16 KiB',
      payload: JSON.stringify({ id: 'big', ...VALID[action], padding: 'x'.repeat(MAX_REQUEST_BYTES) }),
      code: 'PAYLOAD_TOO_LARGE',
    },
  ];
  if (action !== 'chat.history') return common;
  const history = (fields: Record<string, unknown>) => JSON.stringify({ id: 'h1', ...fields });
  return [
    ...common,
    { name: 'no conversation', payload: history({}), code: 'BAD_REQUEST' },
    { name: 'a numeric conversation', payload: history({ c: 12 }), code: 'BAD_REQUEST' },
    { name: 'an upper-case room', payload: history({ c: 'General' }), code: 'BAD_REQUEST' },
    { name: 'a topic wildcard as the room', payload: history({ c: '+' }), code: 'BAD_REQUEST' },
    { name: 'a topic path as the room', payload: history({ c: 'general/x' }), code: 'BAD_REQUEST' },
    { name: 'an empty @', payload: history({ c: '@' }), code: 'BAD_REQUEST' },
    { name: 'a prototype key as the room', payload: history({ c: '__proto__' }), code: 'BAD_REQUEST' },
    { name: 'a negative before', payload: history({ c: 'general', before: -1 }), code: 'BAD_REQUEST' },
    { name: 'a string before', payload: history({ c: 'general', before: '5' }), code: 'BAD_REQUEST' },
    { name: 'a fractional after', payload: history({ c: 'general', after: 1.5 }), code: 'BAD_REQUEST' },
    { name: 'before and after', payload: history({ c: 'general', before: 5, after: 1 }), code: 'BAD_REQUEST' },
    { name: 'a limit over 100', payload: history({ c: 'general', limit: 101 }), code: 'BAD_REQUEST' },
    { name: 'a negative limit', payload: history({ c: 'general', limit: -1 }), code: 'BAD_REQUEST' },
    { name: 'an unknown room', payload: history({ c: 'no-such-room' }), code: 'NOT_FOUND' },
    { name: 'an unknown user', payload: history({ c: '@nobody' }), code: 'NOT_FOUND' },
  ];
}

describeBackends('bad input', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  async function expectAllRefused(raw: RawClient, action: QueryAction) {
    for (const bad of badPayloads(action)) {
      const reply = await raw.send(action, bad.payload);
      expect(reply.r, `${action} with ${bad.name}`).toBeUndefined();
      expect(reply.e?.code, `${action} with ${bad.name}`).toBe(bad.code);
      expect(typeof reply.e?.message).toBe('string');
    }
  }

  for (const action of ACTIONS) {
    it(`answers every malformed ${action} with a typed error, changes nothing, and keeps serving`, async () => {
      h = await startChatQuery(backend);
      const general = await h.seed.room('general', ['mallory', 'bob']);
      await h.seed.sendMany(general, 'bob', 3);
      await h.seed.like(general, 2, 'mallory');
      const raw = await h.rawUser('mallory');
      const before = await h.seed.counts();
      await expectAllRefused(raw, action);
      expect(await h.seed.counts()).toEqual(before);

      const reply = await raw.send(action, JSON.stringify({ id: 'ok-1', ...VALID[action] }));
      expect(reply).toMatchObject({ id: 'ok-1', r: expect.anything() });
      const history = await raw.send('chat.history', JSON.stringify({ id: 'ok-2', c: 'general' }));
      expect(history).toMatchObject({ id: 'ok-2', r: { lastSeq: 3 } });
    });
  }
});
