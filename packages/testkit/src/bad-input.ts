/** A payload no client of ours would send, and the error code it must get. */
export interface BadPayload {
  name: string;
  payload: string | Buffer;
  code: string;
}

/**
 * The envelope-level bad inputs every request topic must refuse with BAD_REQUEST, whatever the
 * action: not JSON, empty, invalid UTF-8, JSON that is not an object, and a missing or
 * non-string correlation id. `valid` is a well-formed request body without its id; each
 * service's test adds the cases that belong to its own fields.
 */
export function malformedEnvelopes(valid: Record<string, unknown>, idWord = 'correlation id'): BadPayload[] {
  return [
    { name: 'not JSON', payload: '{"id": "x", this is not json', code: 'BAD_REQUEST' },
    { name: 'empty', payload: '', code: 'BAD_REQUEST' },
    { name: 'invalid UTF-8', payload: Buffer.from([0xff, 0xfe, 0x7b, 0x00]), code: 'BAD_REQUEST' },
    { name: 'a JSON number', payload: '42', code: 'BAD_REQUEST' },
    { name: 'JSON null', payload: 'null', code: 'BAD_REQUEST' },
    { name: 'a JSON array', payload: JSON.stringify([{ id: 'a1', ...valid }]), code: 'BAD_REQUEST' },
    { name: `no ${idWord}`, payload: JSON.stringify(valid), code: 'BAD_REQUEST' },
    { name: `a numeric ${idWord}`, payload: JSON.stringify({ ...valid, id: 7 }), code: 'BAD_REQUEST' },
    ...malformedText(valid, idWord),
  ];
}

/** A lone UTF-16 surrogate: JSON carries it (`"\ud800"`), but it is not well-formed Unicode. */
export const LONE_SURROGATE = '\ud800';
export const NUL = '\u0000';

/**
 * Text that is not well-formed Unicode, or holds U+0000, in the correlation id and in every string
 * field of `valid`: each must get BAD_REQUEST, whatever the field (the protocol schemas refuse both
 * for every client string). Also a string with invalid UTF-8 bytes inside otherwise valid JSON.
 */
export function malformedText(valid: Record<string, unknown>, idWord = 'correlation id'): BadPayload[] {
  const cases: BadPayload[] = [
    { name: `a lone surrogate in the ${idWord}`, payload: JSON.stringify({ ...valid, id: `t1${LONE_SURROGATE}` }), code: 'BAD_REQUEST' },
    { name: `U+0000 in the ${idWord}`, payload: JSON.stringify({ ...valid, id: `t2${NUL}` }), code: 'BAD_REQUEST' },
  ];
  const strings = Object.entries(valid).filter((e): e is [string, string] => typeof e[1] === 'string');
  for (const [key, value] of strings) {
    cases.push(
      { name: `a lone surrogate in ${key}`, payload: JSON.stringify({ ...valid, id: `t-${key}-1`, [key]: `${value}${LONE_SURROGATE}` }), code: 'BAD_REQUEST' },
      { name: `a lone low surrogate first in ${key}`, payload: JSON.stringify({ ...valid, id: `t-${key}-2`, [key]: `\udc00${value}` }), code: 'BAD_REQUEST' },
      { name: `U+0000 in ${key}`, payload: JSON.stringify({ ...valid, id: `t-${key}-3`, [key]: `${value}${NUL}` }), code: 'BAD_REQUEST' },
    );
  }
  const first = strings[0];
  if (first) {
    // invalid UTF-8 (a CESU-8 surrogate, ED A0 80) inside a string of otherwise valid JSON
    const [before, after] = JSON.stringify({ ...valid, id: 't3', [first[0]]: '\u0001' }).split('\\u0001');
    cases.push({
      name: `invalid UTF-8 bytes in ${first[0]}`,
      payload: Buffer.concat([Buffer.from(before!), Buffer.from(first[1]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(after!)]),
      code: 'BAD_REQUEST',
    });
  }
  return cases;
}
