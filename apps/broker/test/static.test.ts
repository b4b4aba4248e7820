import { mkdtempSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { chooseEncoding, createStaticHandler, type ContentCoding } from '../src/index.js';
import { harness } from './helpers.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, urlPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .request({ host: '127.0.0.1', port, path: urlPath, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject)
      .end();
  });
}

const CHROME = 'gzip, deflate, br, zstd';
const INDEX = `<!doctype html><title>Tidings</title>${'<p>sign in</p>'.repeat(50)}`;
const APP = `console.log(${JSON.stringify('the app '.repeat(200))});`;
const PLAIN = `export const plain = ${JSON.stringify('no siblings '.repeat(100))};`;

/** Writes `file` and, like the web build, its .br and .gz siblings (a second later, as a build does). */
function withSiblings(file: string, text: string, time = Date.now() / 1000): void {
  writeFileSync(file, text);
  writeFileSync(`${file}.br`, brotliCompressSync(text));
  writeFileSync(`${file}.gz`, gzipSync(text, { level: 9 }));
  utimesSync(file, time, time);
  utimesSync(`${file}.br`, time + 1, time + 1);
  utimesSync(`${file}.gz`, time + 1, time + 1);
}

function site() {
  const base = mkdtempSync(path.join(os.tmpdir(), 'tidings-static-'));
  onTestFinished(() => rmSync(base, { recursive: true, force: true }));
  const root = path.join(base, 'site');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  withSiblings(path.join(root, 'index.html'), INDEX);
  withSiblings(path.join(root, 'assets', 'app-1234.js'), APP);
  writeFileSync(path.join(root, 'assets', 'plain-5678.js'), PLAIN);
  writeFileSync(path.join(root, 'logo.png'), Buffer.alloc(300, 7));
  writeFileSync(path.join(root, 'logo.png.br'), brotliCompressSync(Buffer.alloc(300, 7)));
  writeFileSync(path.join(base, 'secret.br'), 'outside');
  return { base, root };
}

async function served() {
  const { base, root } = site();
  const h = await harness({ staticDir: root });
  return { base, root, port: h.broker.httpPort };
}

describe('chooseEncoding (Accept-Encoding, RFC 9110 §12.5.3)', () => {
  const both: ContentCoding[] = ['br', 'gzip'];
  it.each<[string | undefined, ContentCoding[], ContentCoding | null]>([
    [undefined, both, null],
    ['', both, null],
    [CHROME, both, 'br'],
    ['gzip, deflate', both, 'gzip'],
    ['gzip, br', both, 'br'], // equal q: br first, whatever the order
    ['BR', both, 'br'],
    ['x-gzip', both, 'gzip'],
    ['br;q=0, gzip', both, 'gzip'],
    ['br; q=0 , gzip;q=0', both, null],
    ['gzip;q=1, br;q=0.5', both, 'gzip'],
    ['br;q=0.001', both, 'br'],
    ['br;q=2, gzip;q=0.5', both, 'gzip'], // not a qvalue: not acceptable
    ['*', both, 'br'],
    ['*;q=0', both, null],
    ['gzip, *;q=0', both, 'gzip'],
    ['identity', both, null],
    ['br;q=0.5, identity', both, null], // identity asked for more strongly
    ['br, identity;q=0', both, 'br'],
    ['identity;q=0', both, null], // nothing acceptable at hand: identity all the same
    ['deflate, zstd', both, null],
    [CHROME, ['gzip'], 'gzip'],
    [CHROME, [], null],
  ])('%j with %j at hand → %j', (header, available, expected) => {
    expect(chooseEncoding(header, available)).toBe(expected);
  });
});

describe('static files: compression, validators and caching', () => {
  it('sends the brotli sibling to a browser that accepts it, with Vary, its length and its own ETag', async () => {
    const { port } = await served();
    const br = await request(port, '/', { 'Accept-Encoding': CHROME });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['content-length']).toBe(String(br.body.length));
    expect(br.body.length).toBeLessThan(INDEX.length);
    expect(brotliDecompressSync(br.body).toString()).toBe(INDEX);
    expect(br.headers.etag).toMatch(/^"[\w-]+"$/); // strong
    expect(br.headers['last-modified']).toBe(new Date(br.headers['last-modified']!).toUTCString());
    expect(br.headers['cache-control']).toBe('no-cache');

    const gz = await request(port, '/index.html', { 'Accept-Encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(gz.body).toString()).toBe(INDEX);

    const plain = await request(port, '/');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding'); // whichever is picked
    expect(plain.body.toString()).toBe(INDEX);
    expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(INDEX)));

    const weighted = await request(port, '/', { 'Accept-Encoding': 'gzip;q=1, br;q=0.5' });
    expect(weighted.headers['content-encoding']).toBe('gzip');
    const identity = await request(port, '/', { 'Accept-Encoding': 'br;q=0.5, identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();

    // three representations, three strong validators, one modification time
    expect(new Set([br.headers.etag, gz.headers.etag, plain.headers.etag]).size).toBe(3);
    expect(new Set([br.headers['last-modified'], gz.headers['last-modified'], plain.headers['last-modified']]).size).toBe(1);
  });

  it('caches /assets/ for a year as immutable and revalidates everything else', async () => {
    const { port } = await served();
    const asset = await request(port, '/assets/app-1234.js', { 'Accept-Encoding': CHROME });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(brotliDecompressSync(asset.body).toString()).toBe(APP);
    for (const p of ['/', '/index.html', '/logo.png']) expect((await request(port, p)).headers['cache-control'], p).toBe('no-cache');
  });

  it('answers HEAD with the headers GET would send and no body', async () => {
    const { port } = await served();
    for (const accept of [CHROME, 'gzip', '']) {
      const get = await request(port, '/assets/app-1234.js', { 'Accept-Encoding': accept });
      const head = await request(port, '/assets/app-1234.js', { 'Accept-Encoding': accept }, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      for (const h of ['content-length', 'content-encoding', 'content-type', 'etag', 'last-modified', 'vary', 'cache-control']) {
        expect(head.headers[h], `${accept} ${h}`).toEqual(get.headers[h]);
      }
    }
  });

  it('answers If-None-Match and If-Modified-Since with 304, per representation', async () => {
    const { port } = await served();
    const first = await request(port, '/', { 'Accept-Encoding': CHROME });
    const etag = first.headers.etag!;
    const lastModified = first.headers['last-modified']!;

    const again = await request(port, '/', { 'Accept-Encoding': CHROME, 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers.vary).toBe('Accept-Encoding');
    expect(again.headers['cache-control']).toBe('no-cache');
    expect((await request(port, '/', { 'Accept-Encoding': CHROME, 'If-None-Match': `"other", W/${etag}` })).status).toBe(304);
    expect((await request(port, '/', { 'Accept-Encoding': CHROME, 'If-None-Match': '*' })).status).toBe(304);
    // the brotli ETag does not validate the gzip representation
    const other = await request(port, '/', { 'Accept-Encoding': 'gzip', 'If-None-Match': etag });
    expect(other.status).toBe(200);
    expect(other.headers['content-encoding']).toBe('gzip');

    expect((await request(port, '/', { 'If-Modified-Since': lastModified })).status).toBe(304);
    expect((await request(port, '/', { 'If-Modified-Since': new Date(Date.parse(lastModified) + 60_000).toUTCString() })).status).toBe(304);
    expect((await request(port, '/', { 'If-Modified-Since': new Date(Date.parse(lastModified) - 60_000).toUTCString() })).status).toBe(200);
    expect((await request(port, '/', { 'If-Modified-Since': 'not a date' })).status).toBe(200);
    // If-None-Match decides when both are sent
    expect((await request(port, '/', { 'If-None-Match': '"stale"', 'If-Modified-Since': lastModified })).status).toBe(200);
    expect((await request(port, '/', { 'Accept-Encoding': CHROME, 'If-None-Match': etag, 'If-Modified-Since': lastModified }, 'HEAD')).status).toBe(304);
  });

  it('sends the file as it is when it has no sibling, and never compresses what is not text', async () => {
    const { port } = await served();
    const plain = await request(port, '/assets/plain-5678.js', { 'Accept-Encoding': CHROME });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.body.toString()).toBe(PLAIN);
    const png = await request(port, '/logo.png', { 'Accept-Encoding': CHROME });
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.headers.vary).toBeUndefined();
    expect(png.body).toEqual(Buffer.alloc(300, 7));
  });

  it('does not serve the siblings under their own names', async () => {
    const { port } = await served();
    for (const p of ['/index.html.br', '/index.html.gz', '/assets/app-1234.js.br', '/assets/app-1234.js.GZ', '/logo.png.br']) {
      expect((await request(port, p, { 'Accept-Encoding': CHROME })).status, p).toBe(404);
    }
  });

  it('ignores a sibling older than its file, or one that leads out of the directory', async () => {
    const { base, root, port } = await served();
    // index.html edited after the build: its siblings are stale
    const later = Date.now() / 1000 + 60;
    writeFileSync(path.join(root, 'index.html'), 'edited by hand');
    utimesSync(path.join(root, 'index.html'), later, later);
    const edited = await request(port, '/', { 'Accept-Encoding': CHROME });
    expect(edited.headers['content-encoding']).toBeUndefined();
    expect(edited.body.toString()).toBe('edited by hand');

    symlinkSync(path.join(base, 'secret.br'), path.join(root, 'assets', 'plain-5678.js.br'));
    const out = await request(port, '/assets/plain-5678.js', { 'Accept-Encoding': CHROME });
    expect(out.headers['content-encoding']).toBeUndefined();
    expect(out.body.toString()).toBe(PLAIN);
  });

  it('picks up a rebuilt directory without a restart', async () => {
    const { root, port } = await served();
    const before = await request(port, '/', { 'Accept-Encoding': CHROME });
    const rebuilt = `${INDEX}<p>new build</p>`;
    withSiblings(path.join(root, 'index.html'), rebuilt, Date.now() / 1000 + 120);
    const after = await request(port, '/', { 'Accept-Encoding': CHROME, 'If-None-Match': before.headers.etag! });
    expect(after.status).toBe(200);
    expect(brotliDecompressSync(after.body).toString()).toBe(rebuilt);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.headers['content-length']).toBe(String(after.body.length));
    // a sibling removed by a rebuild is no longer offered
    rmSync(path.join(root, 'index.html.br'));
    const later = Date.now() / 1000 + 180;
    utimesSync(path.join(root, 'index.html'), later, later);
    utimesSync(path.join(root, 'index.html.gz'), later + 1, later + 1);
    const gz = await request(port, '/', { 'Accept-Encoding': CHROME });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(rebuilt);
  });

  it('stays correct when its metadata cache holds a single file', async () => {
    const { root } = site();
    const handler = createStaticHandler(root, { maxCachedFiles: 1 });
    const server = http.createServer((req, res) => {
      void handler(req, res).then((answered) => answered || res.writeHead(404).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    for (let round = 0; round < 3; round++) {
      const index = await request(port, '/', { 'Accept-Encoding': CHROME });
      const app = await request(port, '/assets/app-1234.js', { 'Accept-Encoding': 'gzip' });
      expect(brotliDecompressSync(index.body).toString()).toBe(INDEX);
      expect(gunzipSync(app.body).toString()).toBe(APP);
      expect((await request(port, '/', { 'Accept-Encoding': CHROME, 'If-None-Match': index.headers.etag! })).status).toBe(304);
    }
  });

  it('serves nothing outside its directory, whatever the encoding asked for', async () => {
    const { port } = await served();
    for (const p of ['/../secret.br', '/%2e%2e/secret.br', '/assets/..%2f..%2fsecret.br', '/.hidden', '/nosuch.js']) {
      expect((await request(port, p, { 'Accept-Encoding': CHROME })).status, p).toBe(404);
    }
  });
});
