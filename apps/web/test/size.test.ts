import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { compressTree } from '../compress-plugin.js';

const script = fileURLToPath(new URL('../scripts/size.mjs', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A built app in small: index.html naming an entry chunk that imports another, and a lazy chunk. */
function dist(sizes: { entry: number; lazy: number }, random = false): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-size-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, '.vite'));
  mkdirSync(path.join(dir, 'assets'));
  const body = (n: number) => (random ? randomBytes(n / 2).toString('hex') : 'x'.repeat(n));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="./assets/index-a.js"></script>');
  writeFileSync(path.join(dir, 'assets', 'index-a.js'), `import "./shared-b.js";${body(sizes.entry)}`);
  writeFileSync(path.join(dir, 'assets', 'shared-b.js'), body(1000));
  writeFileSync(path.join(dir, 'assets', 'lazy-c.js'), body(sizes.lazy));
  writeFileSync(path.join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  const manifest = {
    'index.html': { file: 'assets/index-a.js', isEntry: true, imports: ['_shared-b.js'], dynamicImports: ['lazy.ts'] },
    '_shared-b.js': { file: 'assets/shared-b.js' },
    'lazy.ts': { file: 'assets/lazy-c.js', isDynamicEntry: true },
  };
  writeFileSync(path.join(dir, '.vite', 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

function size(dir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [script, '--dist', dir, ...args], { encoding: 'utf8' });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

describe('scripts/size.mjs, the weight check of the build', () => {
  it('counts what index.html needs as the first load and the rest as precached, in the bytes sent', async () => {
    const dir = dist({ entry: 20_000, lazy: 5_000 });
    await compressTree(dir);
    const run = size(dir, '--json');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.out) as { files: { file: string; raw: number; brotli: number; group: string }[]; firstLoad: { brotli: number } };
    const group = Object.fromEntries(report.files.map((f) => [f.file, f.group]));
    expect(group).toEqual({
      'index.html': 'first load',
      'assets/index-a.js': 'first load',
      'assets/shared-b.js': 'first load',
      'assets/lazy-c.js': 'precached',
      'sw.js': 'precached',
    });
    const entry = report.files.find((f) => f.file === 'assets/index-a.js')!;
    expect(entry.brotli).toBeLessThan(entry.raw / 10); // the .br sibling, not the raw file
    expect(report.firstLoad.brotli).toBe(report.files.filter((f) => f.group === 'first load').reduce((n, f) => n + f.brotli, 0));
  });

  it('fails when the first load is over its brotli budget', async () => {
    const dir = dist({ entry: 240_000, lazy: 100 }, true); // random hex: ≈ 120 KB brotli
    await compressTree(dir);
    const run = size(dir);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/first load over budget/);
  });

  it('fails when the whole first visit is over its budget, though the first load is not', async () => {
    const dir = dist({ entry: 100, lazy: 260_000 }, true); // ≈ 130 KB brotli
    await compressTree(dir);
    const run = size(dir);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/first visit over budget/);
    expect(run.err).not.toMatch(/first load over budget/);
  });

  it('fails when the build left compressible files without their .br/.gz', () => {
    const run = size(dist({ entry: 20_000, lazy: 5_000 }));
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/not precompressed .*assets\/index-a\.js\.br/);
  });
});

describe('compress-plugin.ts, the .br/.gz files of the build', () => {
  it('writes them next to text files when smaller, the same bytes every time, and nothing else', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-compress-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'assets'));
    mkdirSync(path.join(dir, '.vite'));
    const js = 'export const greeting = "hello";\n'.repeat(200);
    writeFileSync(path.join(dir, 'assets', 'app.js'), js);
    writeFileSync(path.join(dir, 'tiny.css'), 'a{}'); // compressed would be bigger
    writeFileSync(path.join(dir, 'noise.svg'), randomBytes(2000)); // does not shrink
    writeFileSync(path.join(dir, 'logo.png'), 'x'.repeat(2000)); // not text
    writeFileSync(path.join(dir, '.vite', 'manifest.json'), JSON.stringify({ a: 'x'.repeat(2000) })); // hidden
    await compressTree(dir);
    const br = readFileSync(path.join(dir, 'assets', 'app.js.br'));
    const gz = readFileSync(path.join(dir, 'assets', 'app.js.gz'));
    expect(brotliDecompressSync(br).toString()).toBe(js);
    expect(gunzipSync(gz).toString()).toBe(js);
    expect(br.length).toBeLessThan(gz.length);
    for (const f of ['tiny.css.br', 'tiny.css.gz', 'noise.svg.br', 'logo.png.br', 'logo.png.gz', '.vite/manifest.json.br'])
      expect(existsSync(path.join(dir, f)), f).toBe(false);
    await compressTree(dir);
    expect(readFileSync(path.join(dir, 'assets', 'app.js.br'))).toEqual(br);
    expect(readFileSync(path.join(dir, 'assets', 'app.js.gz'))).toEqual(gz);
    expect(existsSync(path.join(dir, 'assets', 'app.js.br.br'))).toBe(false);
  });
});
