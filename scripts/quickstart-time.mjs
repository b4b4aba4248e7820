#!/usr/bin/env node
// Measures the README's quickstart as a newcomer meets it: a fresh clone of this checkout's HEAD,
// then `pnpm quickstart` (install from the lockfile, build, migrate, start) until the stack says
// "running", each phase timed; then Ctrl-C, and `pnpm start` once more in the unchanged checkout,
// which must rebuild nothing (turbo: every task cached).
//
//   node scripts/quickstart-time.mjs            # prints a table; exit 1 past the budget or on a rebuild
//   QUICKSTART_BUDGET_S=150 QUICKSTART_KEEP=1 node scripts/quickstart-time.mjs
//
// "Warm package store" is what the budget assumes: the pnpm store already holds the packages and the
// built native modules (pnpm's side-effects cache), as after any earlier install on the machine. A
// first install on a new machine also downloads and compiles; the script says which it saw.
// Results go to bench/results/quickstart.json.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const budget = Number(process.env.QUICKSTART_BUDGET_S || 150);
const PNPM = ['-y', 'pnpm@12.4.2'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `npx pnpm <args>` in `cwd`, marks the time each watched line first appears, and stops the
 * command (SIGINT, as Ctrl-C) once `until` matches. Resolves with the marks, the output and the exit.
 */
function run(args, { cwd, env, watch = {}, until }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('npx', [...PNPM, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const marks = {};
    let output = '';
    let stopped = false;
    const onData = (chunk) => {
      output += chunk;
      for (const [name, re] of Object.entries(watch)) if (!(name in marks) && re.test(output)) marks[name] = (performance.now() - t0) / 1000;
      if (until && !stopped && until.test(output)) {
        stopped = true;
        process.kill(-child.pid, 'SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`pnpm ${args.join(' ')} did not finish within 15 minutes:\n${output.slice(-3000)}`));
    }, 15 * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ marks, output, code, signal, seconds: (performance.now() - t0) / 1000, stopped });
    });
  });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-quickstart-'));
const checkout = path.join(dir, 'tidings');
const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
execFileSync('git', ['clone', '-q', root, checkout]);

const env = {
  ...process.env,
  CI: '',
  TURBO_TELEMETRY_DISABLED: '1',
  TIDINGS_MQTT_PORT: String(await freePort()),
  TIDINGS_HTTP_PORT: String(await freePort()),
  TIDINGS_DATA_DIR: path.join(dir, 'data'),
  TIDINGS_LOG_FORMAT: 'json',
};
delete env.DATABASE_URL;

const RUNNING = /running: broker \+/;
console.log(`quickstart of ${rev} in ${checkout} (budget ${budget} s)`);
const first = await run(['quickstart'], {
  cwd: checkout,
  env,
  watch: { installed: /Done in [\d.]+m?s|Already up to date/, built: /Tasks:\s+\d+ successful/, migrated: /database .*(applied|up to date)/, running: RUNNING },
  until: RUNNING,
});
if (!first.marks.running) {
  console.error(first.output.slice(-4000));
  console.error(`the quickstart did not reach "running" (exit ${first.code ?? first.signal})`);
  process.exit(1);
}
const compiled = /gyp info|node-gyp rebuild/.test(first.output);
const downloaded = /downloaded [1-9]/.test(first.output);
const m = first.marks;
const phases = [
  ['install (pnpm install --frozen-lockfile)', m.installed],
  ['build (turbo, the processes `pnpm start` runs)', m.built - m.installed],
  ['migrate (SQLite)', m.migrated - m.built],
  ['start (broker, then every service up)', m.running - m.migrated],
];

const again = await run(['start'], { cwd: checkout, env, watch: { running: RUNNING }, until: RUNNING });
const tasks = /Tasks:\s+(\d+) successful, (\d+) total/.exec(again.output);
const cached = /Cached:\s+(\d+) cached, (\d+) total/.exec(again.output);
const allCached = Boolean(tasks && cached && cached[1] === cached[2]);

const rows = [...phases, ['to "running", in all', m.running], ['second `pnpm start`, unchanged checkout, to "running"', again.marks.running]];
const width = Math.max(...rows.map(([name]) => name.length));
console.log('');
console.log(`| ${'phase'.padEnd(width)} | seconds |`);
console.log(`|${'-'.repeat(width + 2)}|--------:|`);
for (const [name, s] of rows) console.log(`| ${name.padEnd(width)} | ${(s ?? NaN).toFixed(1).padStart(7)} |`);
console.log('');
console.log(
  `package store: ${downloaded ? 'cold (packages downloaded)' : 'warm'}; native modules: ${compiled ? 'compiled during install' : 'taken from the store (built before)'}`,
);
console.log(
  `second start: turbo ${cached ? `${cached[1]} of ${cached[2]} tasks cached` : 'printed no summary'}${allCached ? ' — nothing rebuilt' : ' — REBUILT'}`,
);

const result = {
  rev,
  at: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0].toFixed(2)}`,
  budgetSeconds: budget,
  warmStore: !downloaded,
  nativeCompiled: compiled,
  phases: Object.fromEntries(phases.map(([name, s]) => [name, Number(s.toFixed(1))])),
  totalSeconds: Number(m.running.toFixed(1)),
  secondStartSeconds: Number((again.marks.running ?? NaN).toFixed(1)),
  secondStartAllCached: allCached,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/quickstart.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('written to bench/results/quickstart.json');

if (!process.env.QUICKSTART_KEEP) rmSync(dir, { recursive: true, force: true });
const over = m.running > budget;
if (over) console.error(`over budget: ${m.running.toFixed(1)} s > ${budget} s`);
process.exit(over || !allCached ? 1 : 0);
