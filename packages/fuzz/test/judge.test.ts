import fc from 'fast-check';
import { operations } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { jsonSchemaOf, judge, mutateBytes, requestArbitrary } from '../src/index.js';

const sent = Buffer.from(JSON.stringify({ id: 'r1' }));
const reply = (body: unknown) => ({ reply: JSON.stringify(body) });

describe('the oracle', () => {
  it('takes a coded error or a valid result that carries the request id', () => {
    expect(judge('auth.whoami', sent, reply({ id: 'r1', e: { code: 'BAD_REQUEST', message: 'no' } }))).toBe('BAD_REQUEST');
    expect(judge('auth.whoami', sent, reply({ id: null, e: { code: 'BAD_REQUEST', message: 'unreadable' } }))).toBe('BAD_REQUEST');
    expect(judge('auth.whoami', sent, reply({ id: 'r1', r: { username: 'alice', createdAt: 1_700_000_000_000 } }))).toBe('ok');
  });

  it('refuses INTERNAL, silence, a foreign id, a result off its schema and a broken envelope', () => {
    expect(() => judge('auth.whoami', sent, reply({ id: 'r1', e: { code: 'INTERNAL', message: 'boom' } }))).toThrow(/INTERNAL/);
    expect(() => judge('auth.whoami', sent, { reply: undefined, closed: false })).toThrow(/no reply/);
    expect(() => judge('auth.whoami', sent, { reply: undefined, closed: true })).toThrow(/closed/);
    expect(() => judge('auth.whoami', sent, reply({ id: 'other', e: { code: 'BAD_REQUEST', message: 'no' } }))).toThrow(/carries id/);
    expect(() => judge('auth.whoami', sent, reply({ id: 'r1', r: { nonsense: true } }))).toThrow(/does not match/);
    expect(() => judge('auth.whoami', sent, reply({ id: 'r1', r: {}, e: { code: 'BAD_REQUEST', message: 'x' } }))).toThrow(/envelope/);
    expect(() => judge('auth.whoami', sent, { reply: 'not json' })).toThrow(/not JSON/);
  });

  it('lets the caller’s own logout close its connection, and nothing else', () => {
    expect(judge('auth.logout', sent, { reply: undefined, closed: true })).toBe('closed');
    expect(() => judge('chat.send', sent, { reply: undefined, closed: true })).toThrow();
  });

  it('expects no answer to a one-way action', () => {
    expect(judge('chat.typing', Buffer.from('{"c":"general"}'), { reply: undefined, closed: false })).toBe('unanswered');
    expect(() => judge('chat.typing', Buffer.from('{}'), reply({ id: null, e: { code: 'BAD_REQUEST', message: 'x' } }))).toThrow(/one-way/);
  });
});

describe('the generators', () => {
  it('make requests that pass the schema, and requests that do not', () => {
    const schema = operations['chat.send'].request;
    const hints = { c: ['general'], x: ['hello'] };
    const values = fc.sample(requestArbitrary(jsonSchemaOf(schema), hints), { numRuns: 300, seed: 1 });
    const valid = values.filter((v) => schema.safeParse(v).success).length;
    expect(valid).toBeGreaterThan(30);
    expect(valid).toBeLessThan(300);
  });

  it('mutate bytes', () => {
    const original = Buffer.from('{"id":"a","c":"general","x":"hello"}');
    const mutated = fc.sample(mutateBytes(original), { numRuns: 100, seed: 2 });
    expect(mutated.filter((m) => !m.equals(original)).length).toBeGreaterThan(90);
  });
});
