import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { anchorsOf, checkLinks, documentedFiles, headingText, isWellFormedUrl, linksOf, slug } from '../src/links.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe("the repository's Markdown", () => {
  it('covers README.md, docs/ and every app, package and infra README', () => {
    const files = documentedFiles(ROOT);
    expect(files).toContain('README.md');
    expect(files).toContain(path.join('docs', 'protocol.md'));
    expect(files).toContain(path.join('apps', 'chat-store', 'README.md'));
    expect(files).toContain(path.join('infra', 'README.md'));
  });

  it('has no broken link: every relative path exists, every #anchor names a heading, every web address is well-formed', () => {
    const problems = checkLinks(ROOT, documentedFiles(ROOT));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.target} — ${p.problem}`)).toEqual([]);
  });
});

describe('heading ids, by GitHub’s rules', () => {
  it.each([
    ['Running at scale', 'running-at-scale'],
    ['Wills, devices and queues', 'wills-devices-and-queues'],
    ['TLS (mqtts:// and wss://)', 'tls-mqtts-and-wss'],
    ['`chat.send` — one message', 'chatsend--one-message'],
    ['TIDINGS_SEND_RATE and _BURST', 'tidings_send_rate-and-_burst'],
    ['Ünïcode stays, ✨ goes', 'ünïcode-stays--goes'],
    ['1. Numbers', '1-numbers'],
  ])('%s → #%s', (heading, id) => {
    expect(slug(headingText(heading))).toBe(id);
  });

  it('reduces Markdown in a heading to its text', () => {
    expect(headingText('The [broker](apps/broker/README.md) and **its** `limits`')).toBe('The broker and its limits');
    expect(headingText('_emphasis_ but snake_case_kept')).toBe('emphasis but snake_case_kept');
  });

  it('numbers repeated headings, skips code blocks, reads setext headings and explicit anchors', () => {
    const doc = ['# Tests', '## Tests', '```', '# not a heading', '```', 'Setext title', '============', '<a id="here"></a>', '- item', '---'].join('\n');
    expect([...anchorsOf(doc)].sort()).toEqual(['here', 'setext-title', 'tests', 'tests-1']);
  });
});

describe('link extraction', () => {
  it('finds inline links, images, reference definitions and HTML links, not those in code', () => {
    const doc = [
      'See [the protocol](docs/protocol.md#topics "title") and ![a picture](img/a.png).',
      'Code `[not](a-link.md)` and [parens](https://example.com/a_(b)).',
      '[ref]: ../README.md',
      '<a href="infra/README.md">infra</a> <https://example.org/x>',
      '```',
      '[inside](code.md)',
      '```',
    ].join('\n');
    expect(linksOf(doc).map((l) => `${l.line}:${l.target}`)).toEqual([
      '1:docs/protocol.md#topics',
      '1:img/a.png',
      '2:https://example.com/a_(b)',
      '3:../README.md',
      '4:infra/README.md',
      '4:https://example.org/x',
    ]);
  });

  it('accepts well-formed web addresses only', () => {
    expect(isWellFormedUrl('https://github.com/moscajs/aedes#readme')).toBe(true);
    expect(isWellFormedUrl('http://localhost:8080/')).toBe(false); // a local address is no link for a reader
    expect(isWellFormedUrl('https://exa mple.com')).toBe(false);
    expect(isWellFormedUrl('https//example.com')).toBe(false);
    expect(isWellFormedUrl('ftp://example.com')).toBe(false);
  });
});

describe('checkLinks', () => {
  function tree(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-docs-check-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    return dir;
  }

  it('reports each broken link with its file, line and reason, and passes the good ones', () => {
    const root = tree({
      'README.md': [
        '# Top',
        '[ok](docs/a.md#a-heading) [ok](#top) [ok](apps/) [ok](src/x.ts#L3) [ok](/docs/a.md)',
        '[missing file](apps/chat-store/README.md)',
        '[missing anchor](docs/a.md#nope)',
        '[bad url](https://example) [outside](../elsewhere.md) [line anchor on a folder](apps/#x)',
      ].join('\n'),
      'docs/a.md': '## A heading\n[back](../README.md#top)\n',
      'apps/.keep': '',
      'src/x.ts': '',
    });
    const problems = checkLinks(root, ['README.md', 'docs/a.md']);
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.target}`)).toEqual([
      'README.md:3: apps/chat-store/README.md',
      'README.md:4: docs/a.md#nope',
      'README.md:5: https://example',
      'README.md:5: ../elsewhere.md',
      'README.md:5: apps/#x',
    ]);
    expect(problems[0]!.problem).toBe('no such file or folder: apps/chat-store/README.md');
    expect(problems[1]!.problem).toBe('no heading with the id "nope" in docs/a.md');
  });
});
