import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/args.js';
import { commands } from '../src/commands/index.js';
import { settingsReadBy } from '@tidings/service-kit/settings';
import { errorLine, runCli } from './helpers.js';

// No test here reaches a broker: every command line below is refused (or answered) before connecting.
const env = { TIDINGS_CLI_HOME: '/nonexistent/tidings-cli-usage-test' };

describe('command line', () => {
  it('prints the general usage, listing every command of the table, on --help and exits 0', async () => {
    const result = await runCli(['--help'], { env });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: tidings <command> \[options\]$/m);
    for (const command of commands) expect(result.stdout).toContain(`  ${command.name}`);
    expect(result.stdout).toContain('--json');
  });

  it("prints a command's usage with its own options on <command> --help", async () => {
    const result = await runCli(['login', '--help'], { env });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tidings login <user> \[options\]$/m);
    expect(result.stdout).toContain('--device <label>');
    expect(result.stdout).toContain('--password-stdin');
    expect(result.stdout).toContain('--url <url>');
  });

  it('answers "help <command>" the same as "<command> --help"', async () => {
    const a = await runCli(['help', 'passwd'], { env });
    const b = await runCli(['passwd', '-h'], { env });
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('prints the version on --version, and as JSON with --json', async () => {
    const text = await runCli(['--version'], { env });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^tidings \d+\.\d+\.\d+\n$/);
    const json = await runCli(['--version', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, data: { version: expect.stringMatching(/^\d+\.\d+\.\d+$/) } });
  });

  it('prints hints as the CLI was run: pnpm tidings, npx tidings, or tidings', async () => {
    const pnpm = { ...env, npm_config_user_agent: 'pnpm/12.4.2 npm/? node/v20.20.2 linux x64' };
    const npx = { ...env, npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false', npm_command: 'exec' };
    expect(errorLine(await runCli(['whoami'], { env: pnpm }))).toBe('tidings: not signed in: run pnpm tidings login <user>');
    expect(errorLine(await runCli(['bogus'], { env: pnpm }))).toBe('tidings: unknown command "bogus" (see pnpm tidings --help)');
    expect((await runCli(['--help'], { env: pnpm })).stdout).toMatch(/^Usage: pnpm tidings <command> \[options\]$/m);
    expect(errorLine(await runCli(['whoami'], { env: npx }))).toBe('tidings: not signed in: run npx tidings login <user>');
    expect(errorLine(await runCli(['whoami'], { env }))).toBe('tidings: not signed in: run tidings login <user>');
  });

  it.each([
    [[], 'tidings: missing command (see tidings --help)'],
    [['bogus'], 'tidings: unknown command "bogus" (see tidings --help)'],
    [['help', 'bogus'], 'tidings: unknown command "bogus" (see tidings --help)'],
    [['login'], 'tidings: login needs <user> (see tidings login --help)'],
    [['register'], 'tidings: register needs <user> (see tidings register --help)'],
    [['whoami', 'extra'], 'tidings: unexpected argument "extra" (see tidings whoami --help)'],
    [['whoami', '--foo'], 'tidings: unknown option --foo'],
    [['--foo', 'whoami'], 'tidings: unknown option --foo before the command (see tidings --help)'],
    [['--device', 'x', 'login', 'alice'], 'tidings: unknown option --device before the command (see tidings --help)'],
    [['whoami', '--url'], 'tidings: option --url <value> argument missing'],
    [['whoami', '--json=yes'], 'tidings: option --json does not take an argument'],
    [['whoami', '--url', 'localhost'], 'tidings: --url must be a broker URL such as mqtt://host:1883 (mqtt, mqtts, ws or wss): localhost'],
    [['whoami', '--url', 'localhost:1883'], 'tidings: --url must be a broker URL such as mqtt://host:1883 (mqtt, mqtts, ws or wss): localhost:1883'],
    [['whoami', '--url', 'http://localhost'], 'tidings: --url must be a broker URL such as mqtt://host:1883 (mqtt, mqtts, ws or wss): http://localhost'],
    [['login', 'alice', '--device', 'has space'], 'tidings: --device takes 1–40 of A-Z a-z 0-9 _ -'],
  ])('exits 2 with one line on stderr for %j', async (argv, line) => {
    const result = await runCli(argv, { env });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(errorLine(result)).toBe(line);
  });

  it('exits 2 when TIDINGS_URL is not a broker URL', async () => {
    const result = await runCli(['whoami'], { env: { ...env, TIDINGS_URL: 'not a url' } });
    expect(result.status).toBe(2);
    expect(errorLine(result)).toBe('tidings: TIDINGS_URL must be an mqtt://, mqtts://, ws:// or wss:// URL (got "not a url")');
  });

  it('answers a usage error with {"ok":false,"error":{"code":"USAGE",…}} on stdout under --json', async () => {
    const result = await runCli(['--json', 'frobnicate'], { env });
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { code: 'USAGE', message: 'unknown command "frobnicate" (see tidings --help)' },
    });
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(errorLine(result)).toBe('tidings: unknown command "frobnicate" (see tidings --help)');
  });

  it('takes global options before or after the command, and command options after it', () => {
    const parsed = parseCommandLine(['--url', 'mqtt://h:1', 'login', 'alice', '--json', '--device=phone', '--password-stdin'], commands);
    expect(parsed).toMatchObject({
      kind: 'run',
      command: { name: 'login' },
      global: { url: 'mqtt://h:1', json: true },
      options: { device: 'phone', 'password-stdin': true },
      args: { user: 'alice' },
    });
    const after = parseCommandLine(['whoami', '--url=mqtt://h:2'], commands);
    expect(after).toMatchObject({ kind: 'run', global: { url: 'mqtt://h:2' }, options: {}, args: {} });
  });

  it('treats --help after a command as help for that command, even with other arguments', () => {
    expect(parseCommandLine(['login', 'alice', '--help'], commands)).toMatchObject({ kind: 'help', command: { name: 'login' } });
    expect(parseCommandLine(['--help'], commands)).toEqual({ kind: 'help', command: undefined });
  });

  it('gives every command of the table a unique name, a summary and help that renders', async () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const command of commands) {
      expect(command.summary).not.toBe('');
      const result = await runCli([command.name, '--help'], { env });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`Usage: tidings ${command.name}`);
    }
  });
});

describe('settings', () => {
  // One bad value for every CLI setting of README's table that has values to refuse (TIDINGS_CA and
  // TIDINGS_CLI_HOME take any path; a missing CA file is tested in tls.test.ts).
  const BAD: Record<string, { value: string; accepts: string }> = {
    TIDINGS_URL: { value: 'localhost:1883', accepts: 'an mqtt://, mqtts://, ws:// or wss:// URL' },
    TIDINGS_CONNECT_TIMEOUT: { value: 'abc', accepts: 'a number of seconds 0–3,600' },
    TIDINGS_INSECURE: { value: 'maybe', accepts: '1 or 0 (or true/false, yes/no)' },
    TIDINGS_WATCH_PRESENCE_DELAY: { value: '-1', accepts: 'a number of seconds 0–3,600' },
  };

  it('checks every setting before any command runs: one line naming the variable and what it accepts, exit 2', async () => {
    const cli = settingsReadBy('cli');
    for (const name of Object.keys(BAD)) expect(cli).toContain(name);
    for (const [name, { value, accepts }] of Object.entries(BAD)) {
      // whoami needs no broker; it would otherwise say "not signed in" with status 1.
      const result = await runCli(['whoami'], { env: { ...env, [name]: value } });
      expect(result.status, name).toBe(2);
      expect(result.stdout).toBe('');
      expect(errorLine(result)).toBe(`tidings: ${name} must be ${accepts} (got ${JSON.stringify(value)})`);
    }
  });

  it('takes an empty value as unset, and the accepted spellings', async () => {
    const result = await runCli(['whoami'], { env: { ...env, TIDINGS_URL: '', TIDINGS_CONNECT_TIMEOUT: '2.5', TIDINGS_INSECURE: 'no' } });
    expect(result.status).toBe(1);
    expect(errorLine(result)).toMatch(/not signed in/);
  });
});
