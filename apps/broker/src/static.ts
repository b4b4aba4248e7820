import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

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
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Serves the files under `dir` for GET and HEAD: `/` is `index.html`; no path leaves the
 * directory (checked on the resolved real path, so symlinks cannot lead out either); hidden
 * files (a level starting with `.`) are not served. Returns false when it did not answer.
 */
export function createStaticHandler(dir: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const rootPromise = realpath(path.resolve(dir));

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
    const root = await rootPromise.catch(() => undefined);
    if (root === undefined) return false;
    let file = path.join(root, ...levels);
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = path.join(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) return false;
      const real = await realpath(file);
      if (real !== root && !real.startsWith(root + path.sep)) return false;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': contentTypeOf(real),
        'Content-Length': String(info.size),
        // Vite puts content-hashed files under /assets/: those never change.
        'Cache-Control': levels[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      if (req.method === 'HEAD') {
        res.end();
        return true;
      }
      await new Promise<void>((resolve) => {
        const stream = createReadStream(real);
        stream.on('error', () => {
          res.destroy();
          resolve();
        });
        stream.on('end', resolve);
        stream.pipe(res);
      });
      return true;
    } catch {
      return false;
    }
  };
}
