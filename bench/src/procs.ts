import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Processes of a benchmark: the system under test (our broker and services, or Mosquitto), each
 * spawned from its built `dist/main.js` the way scripts/stack.mjs starts them, and the load
 * generators, forked from bench/dist/gen/*.js and driven over IPC. Nothing under test runs in
 * the runner's process or in a generator's.
 */

export const ROOT = path.resolve(import.meta.dirname, '../..');
const GEN_DIR = path.resolve(import.meta.dirname, 'gen');

/** Options that apply to every spawned process of the system under test (set by the runner). */
export const sutDefaults = {
  /** Extra node flags for processes under test, e.g. --cpu-prof. */
  nodeArgs: [] as string[],
  /** Where --cpu-prof writes (when profiling). */
  profileDir: undefined as string | undefined,
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (VmRSS), or NaN when it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Peak resident set size of a process so far in bytes (VmHWM), or NaN when it is gone. */
export function peakRssOf(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Polls a process's RSS every `everyMs` until stopped; resolves the highest reading, in bytes. */
export function rssPeakMeter(pid: number, everyMs = 20): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    const v = rssOf(pid);
    if (v > peak || Number.isNaN(peak)) peak = v;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const v = rssOf(pid);
      return Math.max(peak, Number.isNaN(v) ? 0 : v);
    },
  };
}

const TICKS = 100; // USER_HZ on Linux

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Measures the CPU share (1.0 = one core) of some processes over an interval. */
export function cpuMeter(pids: Record<string, number>): () => Record<string, number> {
  const start = Date.now();
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid)]));
  return () => {
    const seconds = (Date.now() - start) / 1000;
    return Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, Math.round(((cpuSecondsOf(pid) - before[k]!) / seconds) * 100) / 100]));
  };
}

/** Keeps the last lines a process printed, to show when it fails. */
class Tail {
  lines: string[] = [];
  add(chunk: Buffer): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(line);
    if (this.lines.length > 40) this.lines = this.lines.slice(-40);
  }
  toString(): string {
    return this.lines.join('\n');
  }
}

export interface Spawned {
  name: string;
  proc: ChildProcess;
  pid: number;
  tail: Tail;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns a node script (or any command) of the system under test with the open-file limit raised
 * to the hard limit (`sh -c 'ulimit -n …; exec …'`, so the pid is the program's own).
 */
export function spawnSut(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Spawned {
  const proc = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', command, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new Tail();
  proc.stdout.on('data', (c: Buffer) => tail.add(c));
  proc.stderr.on('data', (c: Buffer) => tail.add(c));
  const spawned: Spawned = {
    name,
    proc,
    pid: proc.pid!,
    tail,
    stop: (graceMs = 10_000) => stopProcess(proc, graceMs),
  };
  return spawned;
}

export function spawnNode(name: string, script: string, env: NodeJS.ProcessEnv): Spawned {
  const profile = sutDefaults.profileDir ? [`--cpu-prof`, `--cpu-prof-dir=${sutDefaults.profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  return spawnSut(name, process.execPath, [...sutDefaults.nodeArgs, ...profile, script], env);
}

export function exited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

function stopProcess(proc: ChildProcess, graceMs: number): Promise<void> {
  if (exited(proc)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export function httpJson(url: string): Promise<unknown> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(body) : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function waitForPort(port: number, timeoutMs: number, proc?: Spawned): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (proc && exited(proc.proc)) return reject(new Error(`${proc.name} exited while starting:\n${proc.tail.toString()}`));
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on port ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `tidings-bench-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------
// Mosquitto

export const MOSQUITTO_CANDIDATES = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/bin/mosquitto'];

export function findMosquitto(): string | undefined {
  const fromEnv = process.env.BENCH_MOSQUITTO;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return MOSQUITTO_CANDIDATES.find((p) => existsSync(p));
}

export interface RunningMosquitto {
  port: number;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/**
 * Mosquitto on a free loopback port with its default limits and anonymous access (never the system
 * one on 1883). `noDelay` turns Nagle's algorithm off (`set_tcp_nodelay true`), as it is on our
 * broker's sockets: with it on, a request/reply round trip with a reply of a few KB waits for a
 * delayed ACK, about 40 ms (the default, on, is kept where that does not arise).
 */
export async function startMosquitto(binary: string, options: { noDelay?: boolean } = {}): Promise<RunningMosquitto> {
  const tmp = await tempDir('mosquitto');
  const port = await freePort();
  const conf = path.join(tmp.dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      ...(options.noDelay ? ['set_tcp_nodelay true'] : []),
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const version = await new Promise<string>((resolve) => {
    const p = spawn(binary, ['-h'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', () => resolve(/mosquitto version (\S+)/.exec(out)?.[1] ?? 'unknown'));
    p.on('error', () => resolve('unknown'));
  });
  const spawned = spawnSut('mosquitto', binary, ['-c', conf], { ...process.env });
  try {
    await waitForPort(port, 10_000, spawned);
  } catch (err) {
    await spawned.stop(1000);
    await tmp.remove();
    throw err;
  }
  return {
    port,
    pid: spawned.pid,
    version,
    async stop() {
      await spawned.stop(5000);
      await tmp.remove();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Load generators

export interface Generator {
  pid: number;
  call<T = unknown>(command: string, args?: unknown): Promise<T>;
  /** Ends the process (SIGKILL: a generator's open connections need no goodbye). */
  kill(): Promise<void>;
}

type FromGenerator = { type: 'result'; seq: number; result: unknown } | { type: 'error'; seq: number; message: string } | { type: 'log'; message: string };

/**
 * Forks a load generator (bench/dist/gen/<name>.js). Commands are answered in order; a generator
 * that dies fails the pending call.
 */
export function startGenerator(name: string, options: { log?: (message: string) => void } = {}): Promise<Generator> {
  const script = path.join(GEN_DIR, `${name}.js`);
  const proc = fork(script, [], {
    execArgv: ['--max-old-space-size=4096'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  proc.on('message', (m: FromGenerator) => {
    if (m.type === 'log') {
      options.log?.(m.message);
      return;
    }
    const p = pending.get(m.seq);
    if (!p) return;
    pending.delete(m.seq);
    if (m.type === 'result') p.resolve(m.result);
    else p.reject(new Error(`generator ${name}: ${m.message}`));
  });
  proc.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`generator ${name} exited (${signal ?? code})`));
    pending.clear();
  });
  const gen: Generator = {
    pid: proc.pid!,
    call<T>(command: string, args?: unknown): Promise<T> {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ seq: id, command, args });
      });
    },
    kill: () =>
      new Promise<void>((resolve) => {
        if (exited(proc)) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
  return new Promise((resolve, reject) => {
    proc.once('spawn', () => resolve(gen));
    proc.once('error', reject);
  });
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
