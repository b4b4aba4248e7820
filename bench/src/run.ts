#!/usr/bin/env node
// `pnpm bench [--quick] [--only raw,acl,e2e,wire,connections,history,signin,signin-flood,link,fuzz,search,cluster] [--profile] [--out <file>]`
//
// Runs the benchmark scenarios one after another, each against its own freshly started system
// under test (our broker and services as separate processes, or Mosquitto) with load generators
// in further processes; prints progress to stderr, writes bench/results/<timestamp>.json and
// prints the results as markdown tables (rendered from that JSON).
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, ensureDir, sutDefaults } from './procs.js';
import type { ScenarioContext } from './scenarios/context.js';
import { cluster } from './scenarios/cluster.js';
import { connections } from './scenarios/connections.js';
import { endToEnd } from './scenarios/end-to-end.js';
import { fuzz } from './scenarios/fuzz.js';
import { history } from './scenarios/history.js';
import { linkScenario } from './scenarios/link.js';
import { privateRoomsScenario } from './scenarios/private-rooms.js';
import { rawBroker } from './scenarios/raw-broker.js';
import { search } from './scenarios/search.js';
import { signIn } from './scenarios/sign-in.js';
import { signInFlood } from './scenarios/signin-flood.js';
import { wireBytes } from './scenarios/wire.js';
import { checkTargets, renderLinkSection, renderResults, type Results, type ScenarioKey } from './table.js';

const SCENARIOS: { key: ScenarioKey; title: string; run: (ctx: ScenarioContext, results: Results) => Promise<unknown> }[] = [
  { key: 'raw', title: 'raw broker: Tidings (auth off) vs Mosquitto', run: (ctx) => rawBroker(ctx) },
  { key: 'acl', title: 'private rooms: the broker (auth on) 1:1 on a public and a private room', run: (ctx) => privateRoomsScenario(ctx) },
  { key: 'e2e', title: 'end to end: senders → broker → chat-store → SQLite → room → members', run: (ctx, r) => endToEnd(ctx, r.scenarios.raw) },
  { key: 'wire', title: 'bytes on the wire', run: (ctx) => wireBytes(ctx) },
  { key: 'connections', title: 'signed-in WebSocket connections', run: (ctx) => connections(ctx) },
  { key: 'history', title: 'history pages from a big room', run: (ctx) => history(ctx) },
  { key: 'signin', title: 'sign-in (argon2id, default cost)', run: (ctx) => signIn(ctx) },
  { key: 'signin-flood', title: 'a real user signs in during a flood of 200 guest sign-ins', run: (ctx) => signInFlood(ctx) },
  { key: 'link', title: 'bad links: calm, flaky, outage (through the link simulator)', run: (ctx) => linkScenario(ctx) },
  { key: 'fuzz', title: 'fuzzing every action against the real services (FUZZ_SEED, FUZZ_RUNS)', run: (ctx) => fuzz(ctx) },
  { key: 'search', title: 'full-text search over a big corpus (BENCH_SEARCH_MESSAGES)', run: (ctx) => search(ctx) },
  { key: 'cluster', title: 'one broker against two on Redis: deliveries, connections, failover through HAProxy', run: (ctx) => cluster(ctx) },
];

function parseArgs(argv: string[]) {
  const args = { quick: false, only: undefined as ScenarioKey[] | undefined, profile: false, out: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--full') args.quick = false;
    else if (a === '--profile') args.profile = true;
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean) as ScenarioKey[];
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean) as ScenarioKey[];
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--') continue;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: pnpm bench [--quick] [--only raw,acl,e2e,wire,connections,history,signin,signin-flood,link,fuzz,search,cluster] [--profile] [--out file.json]\n' +
          '  --quick    every scenario, smaller and shorter (under a minute)\n' +
          '  --profile  run the processes under test with node --cpu-prof (profiles in bench/results/prof)\n' +
          'PostgreSQL history and search run when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set.\n' +
          'BENCH_SEARCH_MESSAGES: the search corpus (default 1000000; 100000 with --quick).\n' +
          'cluster needs Redis (BENCH_REDIS_URL or TEST_REDIS_URL, default redis://127.0.0.1:6379); its failover part needs haproxy.\n',
      );
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown argument ${a} (see --help)\n`);
      process.exit(2);
    }
  }
  const known = new Set(SCENARIOS.map((s) => s.key));
  for (const k of args.only ?? []) {
    if (!known.has(k)) {
      process.stderr.write(`bench: unknown scenario ${k}; known: ${[...known].join(', ')}\n`);
      process.exit(2);
    }
  }
  return args;
}

function machine() {
  const cpus = os.cpus();
  let ulimit: string | undefined;
  try {
    ulimit = execSync('ulimit -n; ulimit -Hn', { shell: '/bin/sh' }).toString().trim().split('\n').join(' / ');
  } catch {
    ulimit = undefined;
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    openFiles: ulimit ?? 'unknown',
  };
}

function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const resultsDir = ensureDir(path.join(ROOT, 'bench/results'));
  if (args.profile) {
    sutDefaults.profileDir = ensureDir(path.join(resultsDir, 'prof', stamp));
  }
  const results: Results = {
    schema: 1,
    mode: args.quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    seconds: 0,
    machine: { ...machine(), loadAverageStart: loadAverage(), loadAverageEnd: [] },
    notes: [],
    scenarios: {},
    errors: [],
    targets: [],
  };
  const chosen = SCENARIOS.filter((s) => !args.only || args.only.includes(s.key));
  const t0 = performance.now();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(
    `bench: ${results.mode} run of ${chosen.length} scenario(s) on ${results.machine.cpus} × ${results.machine.cpuModel}, load average ${results.machine.loadAverageStart.join(' ')}`,
  );
  for (const [i, s] of chosen.entries()) {
    const started = performance.now();
    const prefix = `[${i + 1}/${chosen.length} ${s.key}]`;
    say(`${prefix} ${s.title}`);
    const ctx: ScenarioContext = {
      quick: args.quick,
      progress: (m) => say(`${prefix}   ${m}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`),
      note: (m) => results.notes.push(`${s.key}: ${m}`),
    };
    try {
      (results.scenarios as Record<string, unknown>)[s.key] = await s.run(ctx, results);
      say(`${prefix} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      const message = (err as Error).stack ?? String(err);
      results.errors.push({ scenario: s.key, message });
      say(`${prefix} FAILED: ${message}`);
    }
  }
  results.finishedAt = new Date().toISOString();
  results.seconds = Math.round((performance.now() - t0) / 100) / 10;
  results.machine.loadAverageEnd = loadAverage();
  results.targets = checkTargets(results);
  const file = args.out ? path.resolve(args.out) : path.join(resultsDir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${renderResults(results)}\n`);
  if (results.scenarios.link && !args.quick) writeLinkSection(results);
  say(`bench: finished in ${results.seconds} s; results in ${path.relative(process.cwd(), file) || file}`);
  process.exitCode = results.errors.length > 0 ? 1 : 0;
}

/**
 * A full run of the bad-link scenario writes its tables into docs/benchmarks.md, between the
 * markers of its section, with the commit and the machine's load: the numbers the docs quote are
 * the ones the last run measured.
 */
function writeLinkSection(results: Results): void {
  const file = path.join(ROOT, 'docs/benchmarks.md');
  const begin = '<!-- bench:link:begin -->';
  const end = '<!-- bench:link:end -->';
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
  } catch {
    // not a git checkout
  }
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a === -1 || b < a) {
    process.stderr.write(`bench: ${file} has no ${begin} … ${end} section; the link tables were not written there\n`);
    return;
  }
  const section = [begin, '', renderLinkSection(results, commit), '', end].join('\n');
  writeFileSync(file, text.slice(0, a) + section + text.slice(b + end.length));
  process.stderr.write(`bench: wrote the bad-link tables into ${path.relative(process.cwd(), file) || file}\n`);
}

main().then(
  () => {
    // Scenarios start processes, browsers, sockets and pools; one left open by a scenario must not
    // keep a finished run alive (a full link run once did). Say what it was, then end.
    const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
    if (left.length > 0) process.stderr.write(`bench: still open at the end (${left.join(', ')}); exiting anyway\n`);
    process.exit();
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
