import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS, ERROR_CODES, buildAsyncApi, operations, topics } from '../src/index.js';

const root = path.join(import.meta.dirname, '../../..');
const text = readFileSync(path.join(root, 'docs/asyncapi.yaml'), 'utf8');
const checkedIn = parse(text) as ReturnType<typeof buildAsyncApi>;

describe('the AsyncAPI document', () => {
  it('is the document the protocol package generates (run `pnpm --filter @tidings/protocol asyncapi` after a change)', () => {
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(buildAsyncApi())));
  });

  it('reads the same with a YAML 1.1 parser: no key or string a 1.1 reader takes for a boolean, number or date', () => {
    const as11 = parse(text, { version: '1.1' }) as unknown;
    expect(as11).toEqual(JSON.parse(JSON.stringify(buildAsyncApi())));
    // the keys that bit: `on` of the presence event and of the `mb` inbox event
    expect(text).toMatch(/^\s+"on":$/m);
    expect(text).not.toMatch(/^\s+on:/m);
  }, 60_000);

  it('has one channel per request action with the address the topic builders make', () => {
    const channels = checkedIn.channels as Record<string, { address: string }>;
    for (const action of ACTIONS) {
      const channel = channels[action.replace('.', '_')];
      const want = operations[action].audience === 'guest' ? topics.guestRequest('{clientId}', action) : topics.userRequest('{clientId}', action);
      expect(channel?.address).toBe(want);
    }
  });

  it('is AsyncAPI 3 and names every error code', () => {
    expect(checkedIn.asyncapi).toBe('3.0.0');
    const description = (checkedIn.info as { description: string }).description;
    for (const code of ERROR_CODES) expect(description).toContain(`\`${code}\``);
  });

  it('lists every error code in docs/protocol.md', () => {
    const doc = readFileSync(path.join(root, 'docs/protocol.md'), 'utf8');
    for (const code of ERROR_CODES) expect(doc).toContain(`\`${code}\``);
  });
});
