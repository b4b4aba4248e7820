// Bundles the CLI into one file, dist/tidings.js, with everything it needs but Node itself
// (@tidings/protocol, @tidings/client, mqtt and their dependencies): that file is the package's
// bin, so `npm pack` makes a tarball that installs and runs on its own (docs/decisions.md).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/tidings.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  // CommonJS dependencies (mqtt, ws) call require() for Node's modules: give the ES module one.
  banner: { js: "import { createRequire as __tidingsRequire } from 'node:module';\nconst require = __tidingsRequire(import.meta.url);" },
  // ws's optional native speed-ups, loaded in a try/catch when present.
  external: ['bufferutil', 'utf-8-validate'],
  legalComments: 'eof',
  logLevel: 'warning',
});
