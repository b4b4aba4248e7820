import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { precompress } from './compress-plugin.js';
import { serviceWorker } from './sw-plugin.js';
import { protocolWithoutDocs } from './strip-docs-plugin.js';

const require = createRequire(import.meta.url);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * mqtt.js in the browser without what it never runs there: the TCP, TLS, SOCKS and mini-program
 * transports; the whole `package.json` it bundles for one version string; and the parts of
 * readable-stream 4 outside the five stream classes mqtt.js, mqtt-packet and bl use (operators,
 * pipeline, compose, promises, web-stream adapters, `Duplex.from`). ≈ 7 KB brotli.
 */
function mqttBrowserOnly(): Plugin {
  const empty = here('./src/vendor/node/empty.cjs');
  const unsupported = here('./src/vendor/node/unsupported.cjs');
  const STREAMS = '\0tidings-readable-stream:';
  const VERSION = '\0tidings-mqtt-version:';
  return {
    name: 'tidings-mqtt-browser',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!importer) return null;
      if (/[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/]/.test(importer) && /^\.\/(tcp|tls|socks|wx|ali)(\.js)?$/.test(source)) return empty;
      if (/[\\/]mqtt[\\/]build[\\/]lib[\\/]shared\.js$/.test(importer) && source === '../../package.json') {
        return VERSION + path.resolve(path.dirname(importer), '../..');
      }
      if (/[\\/]readable-stream[\\/]lib[\\/]internal[\\/]streams[\\/]duplex\.js$/.test(importer) && source === './duplexify') return unsupported;
      if (source === 'readable-stream') {
        const resolved = await this.resolve(source, importer, { skipSelf: true });
        const root = resolved && packageRoot(resolved.id, 'readable-stream');
        // only the layout of readable-stream 4 is known here; anything else is bundled as it is
        if (root && (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version.startsWith('4.')) return STREAMS + root;
      }
      return null;
    },
    load(id) {
      if (id.startsWith(VERSION)) {
        const { version } = JSON.parse(readFileSync(path.join(id.slice(VERSION.length), 'package.json'), 'utf8')) as { version: string };
        return `module.exports = { version: ${JSON.stringify(version)} };`;
      }
      if (id.startsWith(STREAMS)) {
        const dir = path.join(id.slice(STREAMS.length), 'lib', 'internal', 'streams');
        const req = (name: string) => `require(${JSON.stringify(path.join(dir, `${name}.js`))})`;
        // what lib/stream.js does for these five, without the rest it pulls in
        return [
          `const { Stream } = ${req('legacy')};`,
          `const Readable = ${req('readable')};`,
          `Object.assign(Stream, { Stream, Readable, Writable: ${req('writable')}, Duplex: ${req('duplex')}, Transform: ${req('transform')}, PassThrough: ${req('passthrough')} });`,
          `Stream._isUint8Array = (value) => value instanceof Uint8Array;`,
          `Stream._uint8ArrayToBuffer = (chunk) => require('buffer').Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);`,
          `module.exports = Object.assign(Readable, { Readable, Writable: Stream.Writable, Duplex: Stream.Duplex, Transform: Stream.Transform, PassThrough: Stream.PassThrough, Stream });`,
        ].join('\n');
      }
      return null;
    },
  };
}

/**
 * zod without its JSON Schema generator in the browser: `toJSONSchema` and the per-type
 * processors behind it (core/to-json-schema.js, core/json-schema-processors.js) are only used to
 * write docs/asyncapi.yaml, but every classic schema links to them. Each of their exports becomes a
 * function that throws when called (the list is read from the real file at build time, so a new
 * export cannot break the build). ≈ 4 KB brotli. Validation (`parse`, `safeParse`) does not use them.
 */
function zodWithoutJsonSchema(): Plugin {
  const PREFIX = '\0tidings-zod-no-json-schema:';
  return {
    name: 'tidings-zod-without-json-schema',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!importer || !/[\\/]zod[\\/]v4[\\/]/.test(importer) || !/(^|\/)(to-json-schema|json-schema-processors)\.js$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      return resolved ? PREFIX + resolved.id : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const real = readFileSync(id.slice(PREFIX.length), 'utf8');
      const names = new Set<string>();
      for (const [, name] of real.matchAll(/^export (?:async )?(?:function\*?|const|let|var|class) ([A-Za-z_$][\w$]*)/gm)) names.add(name!);
      for (const [, list] of real.matchAll(/^export \{([^}]*)\}/gm))
        for (const item of list!.split(','))
          names.add(
            item
              .trim()
              .split(/\s+as\s+/)
              .at(-1)!,
          );
      names.delete('');
      return [
        `const unsupported = () => { throw new Error('zod JSON Schema is not part of the browser build (apps/web/vite.config.ts)'); };`,
        ...[...names].map((name) => `export const ${name} = unsupported;`),
      ].join('\n');
    },
  };
}

/**
 * The stylesheet first in `<head>`, before the icon, the module script and its preloads (Vite
 * puts it last). The static sign-in form in index.html waits for this CSS alone, and on HTTP/1.1 the
 * first request after the page takes the connection that is already open: one round trip
 * sooner than a new one (2 s on the links this is built for).
 */
function stylesheetFirst(): Plugin {
  return {
    name: 'tidings-stylesheet-first',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        const links = html.match(/^[ \t]*<link rel="stylesheet"[^>]*>\n/gm) ?? [];
        const first = html.search(/^[ \t]*<(script|link)[^>]*>/m);
        if (links.length === 0 || first < 0) return html;
        let rest = html;
        for (const link of links) rest = rest.replace(link, '');
        return rest.slice(0, first) + links.join('') + rest.slice(first);
      },
    },
  };
}

/** The directory of the package `name` that `file` belongs to. */
function packageRoot(file: string, name: string): string | null {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  return null;
}

// Plain static files: dist/index.html, dist/sw.js and content-hashed assets under dist/assets/.
// No inline scripts or styles, so the page runs under `script-src 'self'; style-src 'self'`.
export default defineConfig({
  // Relative URLs: the files can be served from any path of any web server.
  base: './',
  // Preact's automatic JSX runtime through Vite's built-in transform (Oxc): no framework plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    // mqtt.js built from its sources for the browser (see src/vendor/mqtt-browser.ts): the
    // Node built-ins it and its dependencies require get browser packages or small stand-ins.
    alias: [
      { find: /^mqtt$/, replacement: here('./src/vendor/mqtt-browser.ts') },
      { find: /^buffer\/?$/, replacement: require.resolve('buffer/') },
      { find: /^events\/?$/, replacement: require.resolve('events/') },
      { find: /^process\/?$/, replacement: require.resolve('process/browser.js') },
      { find: /^url$/, replacement: here('./src/vendor/node/url.cjs') },
      { find: /^debug$/, replacement: here('./src/vendor/node/debug.cjs') },
      { find: /^lru-cache$/, replacement: here('./src/vendor/node/lru-cache.cjs') },
      { find: /^worker-timers$/, replacement: here('./src/vendor/node/worker-timers.cjs') },
      { find: /^(ws|net|tls|fs|socks)$/, replacement: here('./src/vendor/node/empty.cjs') },
    ],
  },
  // CommonJS modules of mqtt.js's dependencies name the global object `global`
  define: { global: 'globalThis' },
  plugins: [mqttBrowserOnly(), zodWithoutJsonSchema(), protocolWithoutDocs(), stylesheetFirst(), serviceWorker(), precompress()],
  build: {
    target: 'es2022',
    // Every browser that runs ES2022 supports <link rel=modulepreload>: skip the polyfill.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs; keep them separate and cacheable.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    // dist/.vite/manifest.json: scripts/size.mjs reads which chunks the first load needs.
    manifest: true,
  },
  server: { port: 5173 },
});
