import { malformedEnvelopes } from '@tidings/testkit';
import { MAX_REQUEST_BYTES, type Action } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChat, type ChatHarness, type RawUser } from './helpers.js';

const ACTIONS = ['chat.send', 'chat.edit', 'chat.delete', 'chat.read', 'room.create', 'room.join', 'room.leave'] as const;
type StoreAction = (typeof ACTIONS)[number];

/** A valid body of each action (against the state the test sets up). */
const VALID: Record<StoreAction, Record<string, unknown>> = {
  'chat.send': { c: 'general', x: 'hello' },
  'chat.edit': { c: 'general', s: 1, x: 'edited' },
  'chat.delete': { c: 'general', s: 1 },
  'chat.read': { c: 'general', s: 1 },
  'room.create': { name: 'newroom' },
  'room.join': { name: 'general' },
  'room.leave': { name: 'general' },
};

interface Bad {
  name: string;
  payload: string | Buffer;
  code: string;
}

/** Payloads no client of ours would send, and the error code each must get. */
function malformed(action: StoreAction): Bad[] {
  const valid = VALID[action];
  const wrongTypes = Object.fromEntries(Object.keys(valid).map((k) => [k, k === 'x' || k === 'c' || k === 'name' ? 12345 : 'one']));
  return [
    ...malformedEnvelopes(valid, 'request id'),
    { name: 'an over-long request id', payload: JSON.stringify({ ...valid, id: 'i'.repeat(65) }), code: 'BAD_REQUEST' },
    { name: 'wrong field types', payload: JSON.stringify({ id: 'w1', ...wrongTypes }), code: 'BAD_REQUEST' },
    { name: 'missing fields', payload: JSON.stringify({ id: 'm1' }), code: 'BAD_REQUEST' },
    { name: 'a prototype-polluting object', payload: `{"id":"p1","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}`, code: 'BAD_REQUEST' },
    { name: 'more than 16 KiB', payload: JSON.stringify({ id: 'big', ...valid, padding: 'x'.repeat(MAX_REQUEST_BYTES) }), code: 'PAYLOAD_TOO_LARGE' },
  ];
}

/** Well-formed requests the service itself must refuse. */
function refused(action: StoreAction): Bad[] {
  const body = (id: string, fields: Record<string, unknown>) => JSON.stringify({ ...VALID[action], ...fields, id });
  const refs = [
    { name: 'an unknown room', c: 'nowhere', code: 'NOT_FOUND' },
    { name: 'an unknown user', c: '@nobody', code: 'NOT_FOUND' },
    { name: 'oneself', c: '@mallory', code: 'BAD_REQUEST' },
    { name: 'a bare @', c: '@', code: 'BAD_REQUEST' },
    { name: 'a ref with a space', c: 'gen eral', code: 'BAD_REQUEST' },
    { name: 'an upper-case ref', c: 'General', code: 'BAD_REQUEST' },
    { name: 'a topic wildcard', c: '+', code: 'BAD_REQUEST' },
    { name: 'a topic path', c: 'general/x', code: 'BAD_REQUEST' },
    { name: 'an over-long ref', c: 'g'.repeat(65), code: 'BAD_REQUEST' },
  ];
  const names = [
    { name: 'a one-letter name', value: 'a', code: 'BAD_REQUEST' },
    { name: 'a name with a slash', value: 'a/b', code: 'BAD_REQUEST' },
    { name: 'a wildcard name', value: '#', code: 'BAD_REQUEST' },
    { name: 'an empty name', value: '', code: 'BAD_REQUEST' },
  ];
  const seqs = [
    { name: 'a negative sequence number', s: -1 },
    { name: 'a fractional sequence number', s: 1.5 },
    { name: 'a string sequence number', s: '1' },
  ];
  const texts = [
    { name: 'empty text', x: '', code: 'BAD_REQUEST' },
    { name: 'blank text', x: ' \n\t ', code: 'BAD_REQUEST' },
    { name: 'text over 4000 characters', x: 'x'.repeat(4001), code: 'BAD_REQUEST' },
    { name: 'text over the schema limit', x: 'x'.repeat(16_001), code: 'BAD_REQUEST' },
  ];
  const out: Bad[] = [];
  if ('c' in VALID[action]) for (const r of refs) out.push({ name: r.name, payload: body(`c-${r.name}`, { c: r.c }), code: r.code });
  if ('name' in VALID[action]) {
    for (const n of names) out.push({ name: n.name, payload: body(`n-${n.name}`, { name: n.value }), code: n.code });
    if (action !== 'room.create') out.push({ name: 'an unknown room', payload: body('n-unknown', { name: 'nowhere' }), code: 'NOT_FOUND' });
  }
  if ('s' in VALID[action]) {
    for (const s of seqs) out.push({ name: s.name, payload: body(`s-${s.name}`, { s: s.s }), code: 'BAD_REQUEST' });
    if (action !== 'chat.read') {
      out.push({ name: 'sequence number 0', payload: body('s-0', { s: 0 }), code: 'BAD_REQUEST' });
      out.push({ name: 'a message that does not exist', payload: body('s-404', { s: 404 }), code: 'NOT_FOUND' });
    }
  }
  if ('x' in VALID[action]) for (const t of texts) out.push({ name: t.name, payload: body(`x-${t.name}`, { x: t.x }), code: t.code });
  return out;
}

describeBackends('bad input', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  /** Everything chat-store writes, to compare before and after. */
  async function snapshot() {
    const prisma = h.stack.db.prisma;
    const [conversations, memberships, messages, users] = await Promise.all([
      prisma.conversation.findMany({ orderBy: { id: 'asc' } }),
      prisma.membership.findMany({ orderBy: [{ conversationId: 'asc' }, { userId: 'asc' }] }),
      prisma.message.findMany({ orderBy: { id: 'asc' } }),
      prisma.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, lastMessageAt: true } }),
    ]);
    return { conversations, memberships, messages, users };
  }

  async function expectRefused(raw: RawUser, action: Action, cases: Bad[]) {
    for (const bad of cases) {
      const reply = await raw.send(raw.topic(action), bad.payload);
      expect(reply.r, `${action} with ${bad.name}`).toBeUndefined();
      expect(reply.e?.code, `${action} with ${bad.name}: ${reply.e?.message}`).toBe(bad.code);
      expect(typeof reply.e?.message).toBe('string');
    }
  }

  it('answers every malformed or refused request with a typed error, writes nothing, and keeps serving', async () => {
    h = await startChat(backend, { settings: { sendBurst: 1000 } });
    await h.user('bob');
    const raw = await h.raw('mallory');
    expect(await raw.call('room.join', 'setup-1', { name: 'general' })).toMatchObject({ r: expect.anything() });
    expect(await raw.call('chat.send', 'setup-2', { c: 'general', x: 'the first message' })).toMatchObject({ r: expect.anything() });
    expect(await raw.call('chat.read', 'setup-3', { c: 'general', s: 1 })).toMatchObject({ r: expect.anything() });
    const before = await snapshot();

    for (const action of ACTIONS) {
      await expectRefused(raw, action, malformed(action));
      await expectRefused(raw, action, refused(action));
    }
    expect(await snapshot()).toEqual(before);

    // still serving, on the same connection
    expect(await raw.call('chat.send', 'after-1', { c: 'general', x: 'still here' })).toMatchObject({ r: { s: 2 } });
    expect(await raw.call('room.create', 'after-2', { name: 'newroom' })).toMatchObject({ r: { name: 'newroom' } });
  });
});
