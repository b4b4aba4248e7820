import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, runProcess, tempHome, type Exit } from './helpers.js';
import { eventually, startChatStack, type ChatStack } from './chat-stack.js';
import { startAuthStack, uniqueUser, type AuthStack } from './stack.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
/** The package's bin: src/ bundled by esbuild into one file (scripts/bundle.mjs). */
const mainJs = fileURLToPath(new URL('../dist/tidings.js', import.meta.url));

/** Runs the built binary as its own process, the way a shell does. */
function tidings(argv: string[], env: Record<string, string>, stdin = ''): Promise<Exit> {
  return runProcess(process.execPath, [mainJs, ...argv], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', HOME: env.TIDINGS_CLI_HOME ?? '/nonexistent', ...env },
    stdin,
  });
}

let auth: AuthStack;
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  // Test the bin bundled from this source, not whatever dist/ happens to hold.
  await promisify(execFile)(process.execPath, ['scripts/bundle.mjs'], { cwd: appDir });
  auth = await startAuthStack();
});
afterAll(async () => {
  await auth?.close();
});
afterEach(async () => {
  await home?.remove();
});

describe('the built binary (node dist/tidings.js)', () => {
  it('signs up, in and out with the right exit codes and output, and exits on its own', async () => {
    home = await tempHome();
    const env = { ...home.env, TIDINGS_URL: auth.url };
    const user = uniqueUser('ivan');

    expect(await tidings(['register', user, '--password-stdin'], env, 'ivan-password\n')).toEqual({
      status: 0,
      stdout: `registered ${user}\nnow run: tidings login ${user}\n`,
      stderr: '',
    });
    const login = await tidings(['login', user, '--password-stdin'], env, 'ivan-password\n');
    expect(login).toMatchObject({ status: 0, stderr: '' });
    expect(login.stdout).toMatch(new RegExp(`^signed in as ${user} \\(session expires .+ UTC\\)\\n$`));

    expect(await tidings(['whoami'], env)).toEqual({ status: 0, stdout: `${user}\n`, stderr: '' });
    const json = await tidings(['whoami', '--json'], env);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, data: { username: user } });

    expect(await tidings(['logout'], env)).toEqual({ status: 0, stdout: 'signed out\n', stderr: '' });
    expect(await tidings(['whoami'], env)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'tidings: not signed in: run tidings login <user>\n',
    });
  });

  it('exits 2 on a usage error and 0 on --help', async () => {
    home = await tempHome();
    expect(await tidings(['frobnicate'], home.env)).toEqual({
      status: 2,
      stdout: '',
      stderr: 'tidings: unknown command "frobnicate" (see tidings --help)\n',
    });
    const help = await tidings(['--help'], home.env);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: tidings <command> [options]');
  });

  it('exits 1 with one line when nothing listens at the broker address', async () => {
    home = await tempHome();
    const url = `mqtt://127.0.0.1:${await closedPort()}`;
    const result = await tidings(['login', 'ivan', '--password-stdin', '--url', url], { ...home.env, TIDINGS_CONNECT_TIMEOUT: '1' }, 'whatever-password\n');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^cannot reach the broker at ${url} yet \\(.+\\): trying for 1 s\\ntidings: cannot reach the broker at ${url} \\(.+\\)\\n$`),
    );
  });
});

describe('tidings watch as its own process', () => {
  let chat: ChatStack;

  beforeAll(async () => {
    chat = await startChatStack();
  });
  afterAll(async () => {
    await chat?.close();
  });

  /** Starts the binary, resolving with its exit once it ends; `stderr()` is what it wrote so far. */
  function start(argv: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, [mainJs, ...argv], {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? '', HOME: env.TIDINGS_CLI_HOME ?? '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exit = new Promise<Exit>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    return { child, exit, stdout: () => stdout, stderr: () => stderr };
  }

  it.each(['SIGINT', 'SIGTERM'] as const)('prints what arrives and exits 0 on %s, closing its connection', async (signal) => {
    const alice = await chat.machine(uniqueUser('alice'));
    const bob = await chat.machine(uniqueUser('bob'));
    const room = `bin-${signal.toLowerCase()}-${process.pid % 1000}`;
    expect((await alice.cli(['create', room])).status).toBe(0);
    expect((await bob.cli(['join', room])).status).toBe(0);

    const watch = start(['watch', room], bob.env);
    await eventually(() => expect(watch.stderr()).toContain(`watching ${room}`), 10_000);
    expect((await alice.cli(['send', room, 'are you there?'])).status).toBe(0);
    await eventually(() => expect(watch.stdout()).toContain(`${alice.username}: are you there?`));
    const connected = chat.stack.broker.connectedClients();

    watch.child.kill(signal);
    const exit = await watch.exit;
    expect(exit.status).toBe(0);
    expect(exit.stdout).toMatch(new RegExp(`^#1  \\d\\d:\\d\\d  ${alice.username}: are you there\\?\\n$`));
    // Notices only (alice's own presence may show: her send came and went): no failure line.
    expect(exit.stderr).toMatch(new RegExp(`^watching ${room} \\(Ctrl-C to stop\\)\\n`));
    expect(exit.stderr).not.toContain('tidings:');
    await eventually(() => expect(chat.stack.broker.connectedClients()).toBe(connected - 1));
  });

  it('exits 0 by itself after --for seconds', async () => {
    const alice = await chat.machine(uniqueUser('alice'));
    const exit = await start(['watch', 'general', '--for', '0.5', '--json'], alice.env).exit;
    expect(exit.status).toBe(0);
    const lines = exit.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[lines.length - 1]).toEqual({ ok: true, data: { c: 'general', high: expect.any(Number), lastSeq: expect.any(Number) } });
  });
});
