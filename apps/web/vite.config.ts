import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { serviceWorker } from './sw-plugin.js';

const require = createRequire(import.meta.url);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** mqtt.js's TCP, TLS, SOCKS and mini-program transports never run in a browser: leave them out. */
function browserTransportsOnly(): Plugin {
  const empty = here('./src/vendor/node/empty.cjs');
  return {
    name: 'tidings-mqtt-browser-transports',
    enforce: 'pre',
    resolveId(source, importer) {
      if (importer && /[\\/]mqtt[\\/]build[\\/]lib[\\/]connect[\\/]/.test(importer) && /^\.\/(tcp|tls|socks|wx|ali)(\.js)?$/.test(source)) return empty;
      return null;
    },
  };
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
      { find: /^worker-timers$/, replacement: here('./src/vendor/node/worker-timers.cjs') },
      { find: /^(ws|net|tls|fs|socks)$/, replacement: here('./src/vendor/node/empty.cjs') },
    ],
  },
  // CommonJS modules of mqtt.js's dependencies name the global object `global`
  define: { global: 'globalThis' },
  plugins: [browserTransportsOnly(), serviceWorker()],
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
