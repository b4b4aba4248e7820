import { MAX_REQUEST_BYTES } from '@tidings/protocol';
import { OVERSIZE_ID_PARSE_MAX_BYTES, createRpcServer } from '@tidings/service-kit';
import { afterEach, expect, it } from 'vitest';
import { captureLogger, malformedText, startSingleService, type SingleServiceHarness } from '../src/index.js';

let h: SingleServiceHarness<{ start(): Promise<void>; stop(): Promise<void> }> | undefined;
afterEach(async () => h?.close());

async function start(): Promise<{ calls: () => number }> {
  let calls = 0;
  h = await startSingleService('sqlite', 'chat-store', (deps) => {
    const rpc = createRpcServer({
      client: deps.client,
      logger: captureLogger('svc').logger,
      handlers: {
        'chat.edit': (request) => {
          calls++;
          return Promise.resolve({ s: request.s, ed: 1 });
        },
      },
    });
    return { start: () => rpc.start(), stop: () => rpc.close() };
  });
  return { calls: () => calls };
}

it('answers PAYLOAD_TOO_LARGE with the request id when the oversize payload still parses, and null when it does not', async () => {
  const { calls } = await start();
  const raw = await h!.rawUser('alice', 'dev');
  const padded = (id: unknown) => JSON.stringify({ id, c: 'general', s: 1, x: 'x'.repeat(MAX_REQUEST_BYTES) });

  const withId = await raw.send('chat.edit', padded('big-1'));
  expect(withId).toMatchObject({ id: 'big-1', e: { code: 'PAYLOAD_TOO_LARGE' } });
  expect(withId.e?.message).toMatch(/at most 16384/);
  // an id that is not a valid correlation id is not echoed
  expect(await raw.send('chat.edit', padded('i'.repeat(65)))).toMatchObject({ id: null, e: { code: 'PAYLOAD_TOO_LARGE' } });
  expect(await raw.send('chat.edit', padded(7))).toMatchObject({ id: null, e: { code: 'PAYLOAD_TOO_LARGE' } });
  // cut off: not JSON
  expect(await raw.send('chat.edit', padded('big-2').slice(0, -2))).toMatchObject({ id: null, e: { code: 'PAYLOAD_TOO_LARGE' } });
  expect(calls()).toBe(0);
  // the bound on parsing is the broker's packet limit, so nothing larger is parsed for a refusal
  expect(OVERSIZE_ID_PARSE_MAX_BYTES).toBe(64 * 1024);
  await raw.client.endAsync();
});

it('answers text that is not well-formed Unicode, or holds U+0000, with BAD_REQUEST and the id when the id is good', async () => {
  const { calls } = await start();
  const raw = await h!.rawUser('alice', 'dev');
  const valid = { c: 'general', s: 1, x: 'edited' };
  for (const bad of malformedText(valid, 'request id')) {
    const reply = await raw.send('chat.edit', bad.payload);
    expect(reply.e?.code, bad.name).toBe('BAD_REQUEST');
    if (bad.name.includes('request id') || bad.name.startsWith('invalid UTF-8')) expect(reply.id, bad.name).toBeNull();
    else expect(reply.id, bad.name).toMatch(/^t-/);
  }
  expect(calls()).toBe(0);
  expect(await raw.send('chat.edit', JSON.stringify({ id: 'ok', ...valid }))).toEqual({ id: 'ok', r: { s: 1, ed: 1 } });
  await raw.client.endAsync();
});
