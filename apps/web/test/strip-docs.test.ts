import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stripDocs } from '../strip-docs-plugin.js';

describe('the protocol without its documentation strings', () => {
  it('removes .describe() of string literals, sums and templates, and empties summaries', () => {
    expect(stripDocs(`const A = z.string().describe('a name');`)).toBe('const A = z.string();');
    expect(stripDocs('const B = z.number()\n    .describe(`1–${MAX} of ${"x"}`);')).toBe('const B = z.number()\n    .describe(`1–${MAX} of ${"x"}`);');
    expect(stripDocs('const B = z.number()\n    .describe(`1–${MAX} items`);')).toBe('const B = z.number()\n    ;');
    expect(stripDocs(`x.describe('it\\'s ' +\n  "two")`)).toBe('x');
    expect(stripDocs(`op({ action: 'a', summary: 'Does \\'a\\'', request: R })`)).toBe(`op({ action: 'a', summary: '', request: R })`);
  });

  it('leaves calls that are not only string literals as they are', () => {
    for (const code of [`x.describe(text)`, `x.describe('a' + b)`, `x.describe('unterminated)`, `({ summary: z.string() })`, `({ summary: 'a' + b })`]) {
      expect(stripDocs(code)).toBe(code);
    }
  });

  const dist = fileURLToPath(new URL('../../../packages/protocol/dist/', import.meta.url));
  // Inside the protocol package, so that `zod` resolves as it does for the real files.
  const copy = mkdtempSync(path.join(dist, '..', '.strip-docs-test-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('leaves no documentation in the built protocol, and every schema judges payloads as before', async () => {
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
      const stripped = stripDocs(readFileSync(path.join(dist, file), 'utf8'));
      if (file !== 'asyncapi.js') expect(stripped, file).not.toMatch(/\.describe\(['"`]/);
      writeFileSync(path.join(copy, file), stripped.replace(/^\/\/# sourceMappingURL=.*$/m, ''));
    }
    type Ops = typeof import('@tidings/protocol');
    const real = (await import(pathToFileURL(path.join(dist, 'index.js')).href)) as Ops;
    const bare = (await import(pathToFileURL(path.join(copy, 'index.js')).href)) as Ops;
    expect(Object.keys(bare.operations)).toEqual(Object.keys(real.operations));
    expect(Object.values(bare.operations).every((o) => o.summary === '')).toBe(true);
    const payloads: unknown[] = [
      {},
      { id: 'a1', name: 'club' },
      { id: 'a1', name: 'Club ', private: true, topic: ' ours ' },
      { id: 'a1', name: 'x' },
      { id: 'a1', name: 'club', u: 'Bob', seconds: 600 },
      { id: 'a1', name: 'club', u: 'bob', seconds: 31 * 86_400 },
      { id: 'a1', name: 'club', u: 'bob', role: 'owner' },
      { id: 'a1', name: 'club', topic: 'x'.repeat(301) },
      { id: 'a1', c: 'general', x: 'hi' },
      { id: 'a1', c: '@b', x: 'hi' },
      { id: 'a1', q: 'deploy friday', limit: 5 },
      { name: 'club', s: 3 },
      { s: 1, u: 'bob', x: '', at: 1, ev: { k: 'mute', w: 'carol', until: 2 } },
      { s: 1, u: 'bob', x: '', at: 1, ev: { k: 'nope' } },
    ];
    for (const [action, op] of Object.entries(real.operations)) {
      const other = bare.operations[action as keyof Ops['operations']];
      for (const payload of payloads) {
        expect(JSON.stringify(other.request.safeParse(payload)), `${action} request ${JSON.stringify(payload)}`).toBe(
          JSON.stringify(op.request.safeParse(payload)),
        );
        expect(JSON.stringify(other.result.safeParse(payload)), `${action} result ${JSON.stringify(payload)}`).toBe(
          JSON.stringify(op.result.safeParse(payload)),
        );
      }
    }
    for (const payload of payloads) {
      expect(JSON.stringify(bare.ConversationEvent.safeParse({ t: 'm', ...(payload as object) }))).toBe(
        JSON.stringify(real.ConversationEvent.safeParse({ t: 'm', ...(payload as object) })),
      );
    }
  });
});
