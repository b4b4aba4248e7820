import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestStack } from './stack.js';

export interface ServiceProcessOptions {
  /** The script node runs, e.g. a service's built `dist/main.js`. */
  script: string;
  /** The process's whole environment besides PATH: nothing else is inherited from the test. */
  env: Record<string, string | undefined>;
}

/** A service's `main` running as its own node process, its output kept in memory. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far, in arrival order. */
  output(): string;
  /** The non-empty lines of {@link output} (a partly written last line included). */
  lines(): string[];
  /** What was written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (null when a signal ended the process) once all its output is read. */
  exited: Promise<number | null>;
  /**
   * Resolves when the output contains `pattern` (a string, or a RegExp tested against the whole
   * output) and rejects, quoting the output, after `ms` or when the process ends first.
   */
  waitFor(pattern: string | RegExp, ms?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL if it is still running (for afterEach). */
  kill(): void;
}

/** Spawns `node <script>` with `env` (and PATH). Throws when the script is missing: build the package first. */
export function runServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  if (!existsSync(options.script)) throw new Error(`build the package first (pnpm run build): ${options.script} does not exist`);
  const child = spawn(process.execPath, [options.script], {
    env: { PATH: process.env.PATH, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const heard = () => {
    for (const l of [...listeners]) l();
  };
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    heard();
  });
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString();
    output += text;
    stderr += text;
    heard();
  });
  let ended = false;
  // 'close', not 'exit': it comes after the last output was read, so exited means all is in output().
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      ended = true;
      heard();
      resolve(code);
    }),
  );

  return {
    child,
    output: () => output,
    lines: () => output.split('\n').filter((l) => l !== ''),
    stderr: () => stderr,
    exited,
    waitFor(pattern, ms = 15_000) {
      const found = () => (typeof pattern === 'string' ? output.includes(pattern) : pattern.test(output));
      return new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        const check = () => {
          if (found()) done();
          else if (ended) done(new Error(`the process ended before writing ${String(pattern)}\n${output}`));
        };
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${String(pattern)}\n${output}`)), ms);
        listeners.add(check);
        check();
      });
    },
    stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The environment that points a service process at a test stack: its data dir, broker and database. */
export function stackEnv(stack: Pick<TestStack, 'dataDir' | 'url' | 'dbUrl'>): Record<string, string> {
  return { TIDINGS_DATA_DIR: stack.dataDir, TIDINGS_MQTT_URL: stack.url, DATABASE_URL: stack.dbUrl };
}

/** Polls `probe` every 50 ms until it gives a value (a throw counts as none); rejects after `ms`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A service's state as the broker's `/healthz` reports it (`up`, `down`, or undefined if never seen). */
export async function serviceHealth(stack: Pick<TestStack, 'broker'>, service: string): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${stack.broker.httpPort}/healthz`);
  const body = (await res.json()) as { services: Record<string, string> };
  return body.services[service];
}

/** Waits until `/healthz` reports the service `up` (its connection is made; see ServiceProcess.waitFor for its log). */
export async function waitForHealthy(stack: Pick<TestStack, 'broker'>, service: string, ms = 15_000): Promise<void> {
  await waitUntil(`${service} up`, async () => ((await serviceHealth(stack, service)) === 'up' ? true : undefined), ms);
}
