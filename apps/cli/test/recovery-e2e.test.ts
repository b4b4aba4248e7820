import { connectUser } from '@tidings/client';
import { RECOVERY_CODE_PATTERN, SECURITY_QUESTIONS } from '@tidings/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../src/commands/index.js';
import { CliHome } from '../src/session-store.js';
import { Capture, FakeTerminal, errorLine, runCli, tempHome } from './helpers.js';
import { startRecoveryStack, type RecoveryStack } from './recovery-stack.js';
import { uniqueUser } from './stack.js';

let sys: RecoveryStack;
const homes: Awaited<ReturnType<typeof tempHome>>[] = [];

beforeAll(async () => {
  sys = await startRecoveryStack();
});
afterAll(async () => {
  await sys?.close();
});
afterEach(async () => {
  for (const h of homes.splice(0)) await h.remove();
});

/** A fresh CLI home on "a machine" whose TIDINGS_URL points at the test broker. */
async function machine() {
  const h = await tempHome();
  homes.push(h);
  const env = { ...h.env, TIDINGS_URL: sys.url };
  return {
    store: new CliHome(h.home),
    env,
    cli: (argv: string[], stdin?: string) => runCli(argv, stdin === undefined ? { env } : { env, stdin }),
  };
}

/** A registered user signed in on a fresh machine. */
async function signedInUser(prefix: string, password = 'first-password') {
  const m = await machine();
  const user = uniqueUser(prefix);
  expect((await m.cli(['register', user, '--password-stdin'], `${password}\n`)).status).toBe(0);
  expect((await m.cli(['login', user, '--password-stdin', '--device', 'laptop'], `${password}\n`)).status).toBe(0);
  return { m, user, password };
}

function json(stdout: string): { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string; retryAfter?: number } } {
  return JSON.parse(stdout) as never;
}

describe('account recovery from the CLI', () => {
  it('sets a security question from standard input (a number picks from the list), shows it, and replaces it', async () => {
    const { m, password } = await signedInUser('qa');
    expect(await m.cli(['security-question'])).toMatchObject({
      status: 0,
      stdout: 'no security question set (tidings security-question set)\nrecovery codes left: 0\n',
    });

    const set = await m.cli(['security-question', 'set', '--stdin'], `3\nThe Pixies\n${password}\n`);
    expect(set).toEqual({ status: 0, stdout: `security question set: ${SECURITY_QUESTIONS[2]}\n`, stderr: '' });
    const shown = await m.cli(['security-question']);
    expect(shown.stdout).toMatch(
      new RegExp(`^${SECURITY_QUESTIONS[2].replace('?', '\\?')}\\n\\(set \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)\\nrecovery codes left: 0\\n$`),
    );

    const own = await m.cli(['security-question', 'set', '--stdin', '--json'], `What did we eat on the ferry?\nchips\n${password}\n`);
    expect(json(own.stdout)).toMatchObject({ ok: true, data: { question: 'What did we eat on the ferry?', replaced: true } });

    const wrong = await m.cli(['security-question', 'set', '--stdin'], `1\nrex\nnot-the-password\n`);
    expect(wrong.status).toBe(1);
    expect(errorLine(wrong)).toBe('tidings: The current password is wrong.');
    const tooShort = await m.cli(['security-question', 'set', '--stdin'], `1\nab\n${password}\n`);
    expect(errorLine(tooShort)).toMatch(/^tidings: An answer has 3–200 characters/);
    const noTerminal = await m.cli(['security-question', 'set']);
    expect(errorLine(noTerminal)).toBe('tidings: no terminal to prompt on: use --stdin or --password-stdin');
    const noTerminalRecover = await m.cli(['recover', 'someone']);
    expect(errorLine(noTerminalRecover)).toBe('tidings: no terminal to prompt on: use --stdin or --password-stdin');
  });

  it('drives every prompting command from standard input alone, with --stdin and --password-stdin alike', async () => {
    const prompting = commands.filter((c) => c.prompts && c.prompts.length > 0).map((c) => c.name);
    expect(prompting.sort()).toEqual(['login', 'passwd', 'recover', 'recovery-codes', 'register', 'security-question']);
    for (const name of prompting) {
      const help = await runCli([name, '--help'], { env: {} });
      expect(help.stdout).toContain('--stdin');
      expect(help.stdout).toContain('--password-stdin');
      expect(help.stdout).toContain('Standard input, with --stdin or --password-stdin');
    }
    const m = await machine();
    const user = uniqueUser('si');
    for (const flag of ['--stdin', '--password-stdin']) {
      const other = await machine();
      const u = `${user}${flag.length}`;
      expect(await other.cli(['register', u, flag], 'pass-word-one\n')).toMatchObject({ status: 0, stderr: '' });
      expect(await other.cli(['login', u, flag], 'pass-word-one\n')).toMatchObject({ status: 0, stderr: '' });
      expect(await other.cli(['passwd', flag], 'pass-word-one\npass-word-two\n')).toMatchObject({ status: 0, stderr: '' });
      expect(await other.cli(['security-question', 'set', flag], '2\nlisbon\npass-word-two\n')).toMatchObject({ status: 0, stderr: '' });
      const codes = await other.cli(['recovery-codes', flag, '--json'], 'pass-word-two\n');
      expect(codes).toMatchObject({ status: 0, stderr: '' });
      const code = (json(codes.stdout).data?.codes as string[])[0]!;
      expect(await m.cli(['recover', u, flag], 'Lisbon\npass-word-three\n')).toMatchObject({ status: 0, stderr: '' });
      expect(await m.cli(['recover', u, '--code', flag], `${code}\npass-word-four\n`)).toMatchObject({ status: 0, stderr: '' });
      expect(await m.cli(['login', u, flag], 'pass-word-four\n')).toMatchObject({ status: 0, stderr: '' });
    }
  });

  it('recovers with the answer from standard input: the password changes and every session is signed out', async () => {
    const { m, user, password } = await signedInUser('rb');
    expect((await m.cli(['security-question', 'set', '--stdin'], `1\nRex the dog\n${password}\n`)).status).toBe(0);
    const session = (await m.store.readSession())!;
    const live = await connectUser({ url: sys.url }, { username: user, token: session.token, device: 'phone' });
    const closed = new Promise<void>((resolve) => live.client.once('close', () => resolve()));

    const other = await machine();
    const reset = await other.cli(['recover', user, '--stdin'], '  REX THE DOG \nsecond-password\n');
    expect(reset).toEqual({ status: 0, stdout: `password of ${user} reset; 1 session signed out\nnow run: tidings login ${user}\n`, stderr: '' });
    await closed;
    await live.close().catch(() => {});

    const who = await m.cli(['whoami']);
    expect(who.status).toBe(1);
    expect(errorLine(who)).toMatch(/has expired or was revoked/);
    expect((await m.cli(['login', user, '--password-stdin'], `${password}\n`)).status).toBe(1);
    expect((await m.cli(['login', user, '--password-stdin'], 'second-password\n')).status).toBe(0);

    const asJson = await other.cli(['recover', user, '--stdin', '--json'], 'rex the dog\nthird-password\n');
    expect(json(asJson.stdout)).toEqual({
      ok: true,
      data: { username: user, method: 'question', question: SECURITY_QUESTIONS[0], revokedSessions: 1 },
    });
  });

  it('refuses a wrong answer the same way as an unknown user, and pauses after five', async () => {
    const { m, user, password } = await signedInUser('wc');
    expect((await m.cli(['security-question', 'set', '--stdin'], `2\nparis\n${password}\n`)).status).toBe(0);
    const other = await machine();
    const wrong = await other.cli(['recover', user, '--stdin'], 'london\nsecond-password\n');
    const unknown = await other.cli(['recover', uniqueUser('nobody'), '--stdin'], 'london\nsecond-password\n');
    expect(wrong.status).toBe(1);
    expect(errorLine(wrong)).toBe('tidings: That did not match: check the username and try again.');
    expect(unknown).toEqual(wrong);
    for (let i = 0; i < 4; i++) await other.cli(['recover', user, '--stdin'], `guess ${i}\nsecond-password\n`);
    const paused = await other.cli(['recover', user, '--stdin', '--json'], 'paris\nsecond-password\n');
    expect(paused.status).toBe(1);
    expect(json(paused.stdout).error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 3600 });
    // Signing in with the password is not affected.
    expect((await m.cli(['login', user, '--password-stdin'], `${password}\n`)).status).toBe(0);
  });

  it('prints recovery codes once with a warning; a code resets the password once; a new set voids the old', async () => {
    const { m, user, password } = await signedInUser('cd');
    const made = await m.cli(['recovery-codes', '--stdin'], `${password}\n`);
    expect(made.status).toBe(0);
    expect(made.stdout).toMatch(/^Store these recovery codes somewhere safe/);
    const codes = made.stdout
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim());
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE_PATTERN);
    expect((await m.cli(['security-question'])).stdout).toContain('recovery codes left: 10');

    const other = await machine();
    const used = await other.cli(['recover', user, '--code', '--stdin'], `${codes[0]!.toUpperCase()}\nsecond-password\n`);
    expect(used).toEqual({ status: 0, stdout: `password of ${user} reset; 1 session signed out\nnow run: tidings login ${user}\n`, stderr: '' });
    const again = await other.cli(['recover', user, '--code', '--stdin'], `${codes[0]}\nthird-password\n`);
    expect(errorLine(again)).toBe('tidings: That did not match: check the username and try again.');

    expect((await m.cli(['login', user, '--password-stdin'], 'second-password\n')).status).toBe(0);
    const fresh = await m.cli(['recovery-codes', '--stdin', '--json'], 'second-password\n');
    const newCodes = json(fresh.stdout).data?.codes as string[];
    expect(newCodes).toHaveLength(10);
    expect((await other.cli(['recover', user, '--code', '--stdin'], `${codes[1]}\nthird-password\n`)).status).toBe(1);
    expect((await other.cli(['recover', user, '--code', '--stdin'], `${newCodes[1]}\nthird-password\n`)).status).toBe(0);
  });

  it('shows the question on a terminal and never echoes the answer', async () => {
    const { m, user, password } = await signedInUser('tt');
    expect((await m.cli(['security-question', 'set', '--stdin'], `4\nElm Street\n${password}\n`)).status).toBe(0);
    const keyboard = new FakeTerminal();
    const screen = new Capture();
    const other = await machine();
    const recovering = runCli(['recover', user], { env: other.env, stdin: keyboard, stderr: screen });
    await screen.waitFor('answer: ');
    keyboard.write('elm street\r');
    await screen.waitFor('new password: ');
    keyboard.write('second-password\r');
    await screen.waitFor('new password (again): ');
    keyboard.write('second-password\r');
    const result = await recovering;
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(`Security question: ${SECURITY_QUESTIONS[3]}\nanswer: \nnew password: \nnew password (again): \n`);
  });
});

describe('sessions and events from the CLI', () => {
  it('lists your sessions with this one starred, revokes another one (its connection closes), then this one', async () => {
    const { m, user, password } = await signedInUser('ss');
    const phone = await machine();
    expect((await phone.cli(['login', user, '--password-stdin', '--device', 'phone'], `${password}\n`)).status).toBe(0);
    const phoneSession = (await phone.store.readSession())!;
    const onPhone = await connectUser({ url: sys.url }, { username: user, token: phoneSession.token, device: 'phone' });
    const closed = new Promise<void>((resolve) => onPhone.client.once('close', () => resolve()));
    const mine = (await m.store.readSession())!;

    const list = await m.cli(['sessions']);
    expect(list.status).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {2}id +device +name +signed in +last seen +expires$/);
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith(`* ${mine.sessionId}`))).toMatch(/ laptop /);
    expect(lines.find((l) => l.startsWith(`  ${phoneSession.sessionId}`))).toMatch(/ phone /);

    // named: the rest of the line is the name; a bad one is a usage error and nothing is sent
    expect(await m.cli(['sessions', 'rename', phoneSession.sessionId, 'Work', 'phone'])).toEqual({
      status: 0,
      stdout: `session ${phoneSession.sessionId} is now named "Work phone"\n`,
      stderr: '',
    });
    expect((await m.cli(['sessions', 'rename', phoneSession.sessionId, 'x'.repeat(65)])).status).toBe(2);
    expect((await m.cli(['sessions', 'rename', phoneSession.sessionId])).status).toBe(2);
    expect(errorLine(await m.cli(['sessions', 'rename', 'no-such-session', 'Mine']))).toBe('tidings: You have no active session with that id.');
    expect((await m.cli(['sessions'])).stdout.split('\n').find((l) => l.startsWith(`  ${phoneSession.sessionId}`))).toMatch(/ phone +Work phone /);

    const asJson = json((await m.cli(['sessions', '--json'])).stdout);
    expect((asJson.data?.sessions as { id: string; current: boolean }[]).map((s) => [s.id, s.current]).sort()).toEqual(
      [
        [mine.sessionId, true],
        [phoneSession.sessionId, false],
      ].sort(),
    );

    expect(await m.cli(['sessions', 'revoke', phoneSession.sessionId])).toEqual({
      status: 0,
      stdout: `session ${phoneSession.sessionId} revoked\n`,
      stderr: '',
    });
    await closed;
    await onPhone.close().catch(() => {});
    const unknown = await m.cli(['sessions', 'revoke', phoneSession.sessionId]);
    expect(errorLine(unknown)).toBe('tidings: You have no active session with that id.');
    expect((await m.cli(['sessions', 'revoke'])).status).toBe(2);
    expect((await m.cli(['sessions', 'nope'])).status).toBe(2);
    // A session id may start with '-': after `--` it is an argument, not an option.
    expect(errorLine(await m.cli(['sessions', 'revoke', '--', '-abcdefghijklmno']))).toBe('tidings: You have no active session with that id.');

    expect((await m.cli(['sessions', 'revoke', mine.sessionId])).stdout).toBe(`session ${mine.sessionId} revoked (this machine is signed out)\n`);
    expect(await m.store.readSession()).toBeNull();
  });

  it('lists the account events newest first', async () => {
    const { m, user, password } = await signedInUser('ev');
    expect((await m.cli(['security-question', 'set', '--stdin'], `1\nrex\n${password}\n`)).status).toBe(0);
    expect((await m.cli(['recovery-codes', '--stdin'], `${password}\n`)).status).toBe(0);
    const other = await machine();
    await other.cli(['recover', user, '--stdin'], 'wrong\nsecond-password\n');
    await sys.recovery.flushEvents();
    const events = await m.cli(['events']);
    expect(events.status).toBe(0);
    const lines = events.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC {2}/, ''));
    expect(lines).toEqual([
      'failed recovery attempt with the security question',
      'new recovery codes made (the earlier ones stopped working)',
      'security question set',
      'signed in (device laptop)',
    ]);
    const limited = json((await m.cli(['events', '--limit', '1', '--json'])).stdout);
    expect(limited.data?.events).toEqual([{ kind: 'recovery-failed', at: expect.any(Number), detail: 'question' }]);
    expect((await m.cli(['events', '--limit', '0'])).status).toBe(2);
  });
});
