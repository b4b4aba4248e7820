#!/usr/bin/env node
// Prints the weight of the built app and fails when the first load is over budget.
//
// First load = every JavaScript and CSS file a first visit downloads: the entry chunk and
// everything it imports statically, the stylesheet, the keepalive timer worker and the
// service worker. Chunks only reached through a dynamic import() (panels opened later) are
// listed apart. Sizes are gzip at the default level (what `gzip file` gives).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 150 * 1024;

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const manifest = JSON.parse(readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name.startsWith('.')) return [];
    return statSync(full).isDirectory() ? walk(full) : [path.relative(dist, full)];
  });
}

// Files reachable from the entry through static imports (and their CSS).
const firstLoad = new Set();
function visit(key) {
  const chunk = manifest[key];
  if (!chunk || firstLoad.has(chunk.file)) return;
  firstLoad.add(chunk.file);
  for (const css of chunk.css ?? []) firstLoad.add(css);
  for (const imported of chunk.imports ?? []) visit(imported);
}
for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);

const files = walk(dist).filter((f) => /\.(js|css)$/.test(f));
for (const f of files) if (/timer\.worker|^sw\.js$/.test(path.basename(f)) || f === 'sw.js') firstLoad.add(f);

const rows = files
  .map((f) => {
    const raw = readFileSync(path.join(dist, f));
    return { file: f, raw: raw.length, gzip: gzipSync(raw).length, first: firstLoad.has(f) };
  })
  .sort((a, b) => b.gzip - a.gzip);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const total = (list) => list.reduce((sum, r) => sum + r.gzip, 0);
console.log('\nweight of apps/web/dist (gzip):');
for (const r of rows) console.log(`  ${r.first ? 'first load' : 'later     '}  ${kb(r.gzip).padStart(9)}  (${kb(r.raw)} raw)  ${r.file}`);
const first = total(rows.filter((r) => r.first));
console.log(`\nfirst load: ${kb(first)} of JavaScript + CSS gzipped (budget ${kb(BUDGET_BYTES)}); everything: ${kb(total(rows))}`);
if (first > BUDGET_BYTES) {
  console.error(`over budget by ${kb(first - BUDGET_BYTES)}`);
  process.exit(1);
}
