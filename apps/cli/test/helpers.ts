import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Io } from '../src/command.js';
import { run } from '../src/run.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** A stream that says it is a terminal, to drive the hidden prompt the way a keyboard does. */
export class FakeTerminal extends PassThrough {
  readonly isTTY = true;
  isRaw = false;
  readonly rawModes: boolean[] = [];

  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    this.rawModes.push(mode);
    return this;
  }
}

/** A writable that keeps what was written, and can wait for some text to appear. */
export class Capture extends PassThrough {
  text = '';

  constructor() {
    super();
    this.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
    });
  }

  /** Resolves once `needle` has been written `times` times in all. */
  async waitFor(needle: string, times = 1, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.text.split(needle).length - 1 < times) {
      if (Date.now() > deadline) throw new Error(`"${needle}" was not written ${times} time(s); got ${JSON.stringify(this.text)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

export interface RunOptions {
  env: Record<string, string | undefined>;
  /** Text for standard input (a closed pipe when omitted), or a stream such as a FakeTerminal. */
  stdin?: string | Io['stdin'];
  stdout?: Capture;
  stderr?: Capture;
  /** Where the command hears SIGINT/SIGTERM (default: process). */
  signals?: Io['signals'];
}

/** Runs the CLI in-process with injected streams and environment, as main.ts does with the real ones. */
export async function runCli(argv: string[], options: RunOptions): Promise<CliResult> {
  let stdin: Io['stdin'];
  if (typeof options.stdin === 'string' || options.stdin === undefined) {
    const pipe = new PassThrough();
    pipe.end(options.stdin ?? '');
    stdin = pipe;
  } else {
    stdin = options.stdin;
  }
  const stdout = options.stdout ?? new Capture();
  const stderr = options.stderr ?? new Capture();
  const io: Io = { stdin, stdout, stderr, env: options.env };
  if (options.signals) io.signals = options.signals;
  const status = await run(argv, io);
  return { status, stdout: stdout.text, stderr: stderr.text };
}

/** A fresh TIDINGS_CLI_HOME (not yet created, so the CLI makes it) under a temporary directory. */
export async function tempHome(): Promise<{ home: string; env: Record<string, string>; remove(): Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), 'tidings-cli-'));
  const home = join(parent, 'home');
  return {
    home,
    env: { TIDINGS_CLI_HOME: home },
    remove: () => rm(parent, { recursive: true, force: true }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** The one line a failing command writes on stderr: `tidings: <reason>`. */
export function errorLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${JSON.stringify(result.stderr)}`);
  return lines[0]!;
}

/** How long commands keep trying an unreachable broker in tests (TIDINGS_CONNECT_TIMEOUT, seconds). */
export const UNREACHABLE = { TIDINGS_CONNECT_TIMEOUT: '1' };

/**
 * The error line of a command that could not reach the broker: stderr holds exactly the notice
 * that it is still trying (said once) and then the one `tidings: <reason>` line.
 */
export function unreachableLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 2 || !/^cannot reach the broker at \S+ yet \(.+\): trying for 1 s$/.test(lines[0]!)) {
    throw new Error(`expected the still-trying notice and one error line on stderr, got ${JSON.stringify(result.stderr)}`);
  }
  return lines[1]!;
}

export interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command as its own process to its end, `stdin` written and closed; its status and output. */
export function runProcess(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string }): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.on('error', () => {}); // a command that exits without reading its input
    child.stdin.end(options.stdin ?? '');
  });
}
