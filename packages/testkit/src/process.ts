import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
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

/** A port nothing listens on right now (the OS picks it; someone else may take it before you). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The broker's `main` running as its own process, on fixed ports so a restart comes back where it was. */
export interface BrokerProcess extends ServiceProcess {
  /** mqtt://127.0.0.1:<mqttPort> */
  url: string;
  mqttPort: number;
  httpPort: number;
  /** Its environment: start another with it to restart the broker on the same ports, data and database. */
  env: Record<string, string>;
}

/**
 * Starts apps/broker's built `main` on 127.0.0.1 with the data directory and database of a test
 * (free ports unless given) and resolves once it listens. For what an in-process broker cannot
 * show: a broker killed with SIGKILL and started again.
 */
export async function startBrokerProcess(options: {
  dataDir: string;
  dbUrl: string;
  mqttPort?: number;
  httpPort?: number;
  env?: Record<string, string>;
}): Promise<BrokerProcess> {
  const mqttPort = options.mqttPort ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const env: Record<string, string> = {
    TIDINGS_DATA_DIR: options.dataDir,
    DATABASE_URL: options.dbUrl,
    TIDINGS_HOST: '127.0.0.1',
    TIDINGS_MQTT_PORT: String(mqttPort),
    TIDINGS_HTTP_PORT: String(httpPort),
    ...options.env,
  };
  const script = path.join(path.dirname(createRequire(import.meta.url).resolve('@tidings/broker')), 'main.js');
  const proc = runServiceProcess({ script, env });
  try {
    await proc.waitFor('"msg":"broker listening"');
  } catch (err) {
    proc.kill();
    throw err;
  }
  return { ...proc, url: `mqtt://127.0.0.1:${mqttPort}`, mqttPort, httpPort, env };
}
