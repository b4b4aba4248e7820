import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** The files worth compressing: text. Images, fonts and the like are compressed already. */
export const COMPRESSIBLE = /\.(html|js|mjs|css|svg|json|webmanifest|map|txt|xml)$/;

/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9) next to every
 * compressible file of the build — public/ files and sw.js included, hidden directories
 * (`.vite/`) not — when that makes it smaller; otherwise the file is sent as it is. Same input,
 * same bytes: node's gzip writes no name and a zero time, and brotli has no header to vary.
 * The broker (apps/broker/src/static.ts), or nginx with `gzip_static`/`brotli_static`, sends
 * the one the browser accepts.
 */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'tidings-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    // after every file, public/ included, is on disk
    async closeBundle() {
      await compressTree(outDir);
    },
  };
}

export async function compressTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await compressTree(file);
    else if (entry.isFile() && COMPRESSIBLE.test(entry.name)) await compressFile(file);
  }
}

async function compressFile(file: string): Promise<void> {
  const raw = await readFile(file);
  const [br, gzipped] = await Promise.all([
    brotli(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    }),
    gz(raw, { level: constants.Z_BEST_COMPRESSION }),
  ]);
  if (br.length < raw.length) await writeFile(`${file}.br`, br);
  if (gzipped.length < raw.length) await writeFile(`${file}.gz`, gzipped);
}
