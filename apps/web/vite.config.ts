import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { serviceWorker } from './sw-plugin.js';

// Plain static files: dist/index.html, dist/sw.js and content-hashed assets under dist/assets/.
// No inline scripts or styles, so the page runs under `script-src 'self'; style-src 'self'`.
export default defineConfig({
  // Relative URLs: the files can be served from any path of any web server.
  base: './',
  // Preact's automatic JSX runtime through Vite's built-in transform (Oxc): no framework plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    // mqtt 5's browser bundle has only a default export; @tidings/client imports { connect }.
    alias: [{ find: /^mqtt$/, replacement: fileURLToPath(new URL('./src/vendor/mqtt-browser.ts', import.meta.url)) }],
  },
  plugins: [serviceWorker()],
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
