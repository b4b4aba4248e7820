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
  ];
}
