import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Sent with every HTTP answer of the broker: the web app talks only to its own origin. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Text types, which the web build precompresses (apps/web/compress-plugin.ts): answers vary by Accept-Encoding. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.map', '.svg', '.txt', '.xml']);

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type ContentCoding = 'br' | 'gzip';
/** The precompressed siblings looked for next to a file, in order of preference. */
const CODINGS: readonly { coding: ContentCoding; suffix: string }[] = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
];

/**
 * The content coding to send, from the request's `Accept-Encoding` and the codings at hand;
 * null = the file as it is (identity). RFC 9110 §12.5.3: q-values are honoured and `q=0` excludes;
 * a coding not listed is acceptable only through `*`; on equal q, br before gzip before identity;
 * identity wins only when listed (or `*`) with a higher q than every coding at hand. No header
 * means identity. Identity is also the answer when the client excludes it and nothing else fits
 * (the RFC allows that instead of a 406, and every client can read it).
 */
export function chooseEncoding(acceptEncoding: string | undefined, available: readonly ContentCoding[]): ContentCoding | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const member of acceptEncoding.split(',')) {
    const [rawName, ...params] = member.split(';').map((p) => p.trim());
    const name = rawName?.toLowerCase() === 'x-gzip' ? 'gzip' : rawName?.toLowerCase();
    if (!name || weights.has(name)) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=').map((p) => p.trim());
      if (key?.toLowerCase() !== 'q') continue;
      // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); anything else is not a weight
      q = value !== undefined && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0;
    }
    weights.set(name, q);
  }
  const star = weights.get('*');
  let best: { coding: ContentCoding; q: number } | null = null;
  for (const coding of available) {
    const q = weights.get(coding) ?? star ?? 0;
    if (q > 0 && (best === null || q > best.q)) best = { coding, q };
  }
  if (best === null) return null;
  const identity = weights.get('identity') ?? star;
  return identity !== undefined && identity > best.q ? null : best.coding;
}

interface Variant {
  coding: ContentCoding | null;
  file: string;
  size: number;
  etag: string;
}

interface Described {
  /** Identity of the file version this was read from: any change to the file makes a new one. */
  version: string;
  type: string;
  compressible: boolean;
  lastModified: Date;
  /** The identity file first, then the precompressed siblings found. */
  variants: Variant[];
}

export interface StaticHandlerOptions {
  /** Files whose metadata (real path, siblings, ETags) is kept in memory; the least recently used go first. Default 256. */
  maxCachedFiles?: number;
}

const versionOf = (s: Stats) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;

/**
 * Serves the files under `dir` for GET and HEAD: `/` is `index.html`; no path leaves the
 * directory (checked on the resolved real path, so symlinks cannot lead out either); hidden
 * files (a level starting with `.`) are not served. Returns false when it did not answer.
 *
 * Compression: a text file's precompressed siblings `<file>.br` and `<file>.gz` (written by the
 * web build) are sent in its place when the browser accepts them (see chooseEncoding), with
 * `Content-Encoding` and `Vary: Accept-Encoding`; the siblings are never served under their
 * own names. Each representation has a strong ETag (a hash of its bytes); `If-None-Match`, or
 * else `If-Modified-Since`, is answered with 304. `/assets/` (content-hashed names) is cached
 * for a year as immutable, everything else (`index.html`, `sw.js`) is revalidated every time.
 *
 * What is learnt about a file is kept in memory (bounded) and checked against one `stat` of it
 * per request: a rebuilt directory is picked up at once, without a restart. A sibling older
 * than its file is stale and ignored.
 */
export function createStaticHandler(dir: string, options: StaticHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const rootPromise = realpath(path.resolve(dir));
  const maxCached = Math.max(1, options.maxCachedFiles ?? 256);
  const cache = new Map<string, Described>();

  const inside = (root: string, real: string) => real === root || real.startsWith(root + path.sep);

  async function describe(root: string, file: string, info: Stats): Promise<Described | null> {
    const real = await realpath(file);
    if (!inside(root, real)) return null;
    const compressible = COMPRESSIBLE.has(path.extname(real).toLowerCase());
    const variants: Variant[] = [{ coding: null, file: real, size: info.size, etag: await etagOf(real) }];
    if (compressible) {
      for (const { coding, suffix } of CODINGS) {
        try {
          const sibling = await realpath(file + suffix);
          const s = await stat(sibling);
          if (!inside(root, sibling) || !s.isFile() || s.mtimeMs < info.mtimeMs) continue;
          variants.push({ coding, file: sibling, size: s.size, etag: await etagOf(sibling) });
        } catch {
          // no sibling: the file is sent as it is
        }
      }
    }
    return { version: versionOf(info), type: contentTypeOf(real), compressible, lastModified: info.mtime, variants };
  }

  async function lookup(root: string, file: string, info: Stats): Promise<Described | null> {
    const known = cache.get(file);
    if (known && known.version === versionOf(info)) {
      cache.delete(file); // most recently used last
      cache.set(file, known);
      return known;
    }
    const described = await describe(root, file, info);
    cache.delete(file);
    if (!described) return null;
    cache.set(file, described);
    while (cache.size > maxCached) cache.delete(cache.keys().next().value!);
    return described;
  }

  return async function serveStatic(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return false;
    }
    if (pathname.includes('\0') || pathname.includes('\\')) return false;
    const levels = pathname.split('/').filter((l) => l.length > 0);
    if (levels.some((l) => l === '..' || l.startsWith('.'))) return false;
    // precompressed siblings are representations of their file, not files of their own
    if (/\.(br|gz)$/i.test(levels.at(-1) ?? '')) return false;
    const root = await rootPromise.catch(() => undefined);
    if (root === undefined) return false;
    let file = path.join(root, ...levels);
    let described: Described | null;
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = path.join(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) return false;
      described = await lookup(root, file, info);
    } catch {
      return false;
    }
    if (!described) return false;

    const available = described.variants.flatMap((v) => (v.coding ? [v.coding] : []));
    const coding = chooseEncoding(req.headers['accept-encoding'], available);
    const variant = described.variants.find((v) => v.coding === coding)!;
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      // Vite puts content-hashed files under /assets/: those never change.
      'Cache-Control': levels[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: variant.etag,
      'Last-Modified': described.lastModified.toUTCString(),
    };
    if (described.compressible) headers.Vary = 'Accept-Encoding';

    if (notModified(req, variant.etag, described.lastModified)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    headers['Content-Type'] = described.type;
    headers['Content-Length'] = String(variant.size);
    if (variant.coding) headers['Content-Encoding'] = variant.coding;
    res.writeHead(200, headers);
    if (req.method === 'HEAD' || variant.size === 0) {
      res.end();
      return true;
    }
    // never more than announced, should the file change under us
    await pipeline(createReadStream(variant.file, { end: variant.size - 1 }), res).catch(() => res.destroy());
    return true;
  };
}

/** A strong validator for one representation: a hash of its bytes. */
async function etagOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `"${hash.digest('base64url').slice(0, 22)}"`;
}

/** RFC 9110 §13.1.2–13.1.3: If-None-Match (weak comparison) decides; If-Modified-Since only without it. */
function notModified(req: IncomingMessage, etag: string, lastModified: Date): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => opaque(tag) === etag);
  }
  const since = req.headers['if-modified-since'];
  if (since === undefined) return false;
  const time = Date.parse(since);
  // HTTP dates have whole seconds
  return !Number.isNaN(time) && Math.floor(lastModified.getTime() / 1000) * 1000 <= time;
}
