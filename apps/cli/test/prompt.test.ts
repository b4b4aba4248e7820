import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Interrupted, type Io } from '../src/command.js';
import { createPrompter } from '../src/prompt.js';
import { Capture, FakeTerminal, errorLine, runCli, tempHome } from './helpers.js';

function terminalIo(): { io: Io; keyboard: FakeTerminal; screen: Capture } {
  const keyboard = new FakeTerminal();
  const screen = new Capture();
  return { io: { stdin: keyboard, stdout: new Capture(), stderr: screen, env: {} }, keyboard, screen };
}

function pipeIo(text: string): Io {
  const stdin = new PassThrough();
  stdin.end(text);
  return { stdin, stdout: new Capture(), stderr: new Capture(), env: {} };
}

const stdinFlag = { fromStdin: false, flag: '--password-stdin' };

describe('prompts', () => {
  it('reads a secret on a terminal in raw mode without echoing it', async () => {
    const { io, keyboard, screen } = terminalIo();
    const prompter = createPrompter(io, stdinFlag);
    const answer = prompter.secret('password');
    await screen.waitFor('password: ');
    expect(keyboard.isRaw).toBe(true);
    keyboard.write('hunter22 with spaces\r');
    expect(await answer).toBe('hunter22 with spaces');
    prompter.close();
    expect(screen.text).toBe('password: \n');
    expect(keyboard.isRaw).toBe(false);
  });

  it('turns echo off before the prompt appears, so an answer typed at once is not echoed', async () => {
    const { io, keyboard, screen } = terminalIo();
    const rawWhenWritten: boolean[] = [];
    const write = screen.write.bind(screen);
    screen.write = ((chunk: string, ...rest: never[]) => {
      rawWhenWritten.push(keyboard.isRaw);
      return write(chunk, ...rest);
    }) as typeof screen.write;
    const prompter = createPrompter(io, stdinFlag);
    const answer = prompter.secret('password');
    await screen.waitFor('password: ');
    expect(rawWhenWritten).toEqual([true]);
    keyboard.write('x-password\r');
    await answer;
    prompter.close();
  });

  it('lets Backspace and Ctrl-U edit a hidden answer', async () => {
    const { io, keyboard, screen } = terminalIo();
    const prompter = createPrompter(io, stdinFlag);
    const answer = prompter.secret('password');
    await screen.waitFor('password: ');
    keyboard.write('wrong');
    keyboard.write('\u0015'); // Ctrl-U: start over
    keyboard.write('secretX');
    keyboard.write('\u007f'); // Backspace
    keyboard.write('!\r');
    expect(await answer).toBe('secret!');
    prompter.close();
    expect(screen.text).toBe('password: \n');
  });

  it('keeps what was typed ahead for the next prompt', async () => {
    const { io, keyboard, screen } = terminalIo();
    const prompter = createPrompter(io, stdinFlag);
    const first = prompter.secret('password');
    await screen.waitFor('password: ');
    keyboard.write('first-one\rsecond-one\r');
    expect(await first).toBe('first-one');
    expect(await prompter.secret('password (again)')).toBe('second-one');
    prompter.close();
    expect(screen.text).toBe('password: \npassword (again): \n');
  });

  it('echoes a visible answer', async () => {
    const { io, keyboard, screen } = terminalIo();
    const prompter = createPrompter(io, stdinFlag);
    const answer = prompter.line('room');
    await screen.waitFor('room: ');
    keyboard.write('lobby\r');
    expect(await answer).toBe('lobby');
    prompter.close();
    expect(screen.text).toBe('room: lobby\n');
  });

  it('turns Ctrl-C at a prompt into an interruption and gives the terminal back', async () => {
    const { io, keyboard, screen } = terminalIo();
    const prompter = createPrompter(io, stdinFlag);
    const answer = prompter.secret('password');
    await screen.waitFor('password: ');
    keyboard.write('abc\u0003');
    await expect(answer).rejects.toBeInstanceOf(Interrupted);
    prompter.close();
    expect(keyboard.isRaw).toBe(false);
  });

  it('reads answers line by line from standard input, dropping a trailing \\r', async () => {
    const prompter = createPrompter(pipeIo('old password\r\nnew password\n'), { fromStdin: true, flag: '--password-stdin' });
    expect(await prompter.secret('current password')).toBe('old password');
    expect(await prompter.secret('new password')).toBe('new password');
    await expect(prompter.secret('third')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'standard input ended before the third (line 3)',
    });
    prompter.close();
  });

  it('reads a last line that has no newline', async () => {
    const prompter = createPrompter(pipeIo('no-newline'), { fromStdin: true, flag: '--password-stdin' });
    expect(await prompter.secret('password')).toBe('no-newline');
    prompter.close();
  });

  it('refuses to prompt without a terminal, naming the flag to use', async () => {
    const prompter = createPrompter(pipeIo(''), { fromStdin: false, flag: '--stdin' });
    await expect(prompter.secret('password')).rejects.toMatchObject({ message: 'no terminal to prompt on: use --stdin' });
  });
});

describe('password prompts of the commands (refused before any connection)', () => {
  it('fails login without a terminal and without --password-stdin, with advice', async () => {
    const t = await tempHome();
    try {
      const result = await runCli(['login', 'alice', '--url', 'mqtt://127.0.0.1:9'], { env: t.env });
      expect(result.status).toBe(1);
      expect(errorLine(result)).toBe('tidings: no terminal to prompt on: use --stdin or --password-stdin');
    } finally {
      await t.remove();
    }
  });

  it('asks twice on a terminal at register and refuses two different passwords', async () => {
    const keyboard = new FakeTerminal();
    const screen = new Capture();
    const running = runCli(['register', 'alice', '--url', 'mqtt://127.0.0.1:9'], { env: {}, stdin: keyboard, stderr: screen });
    await screen.waitFor('password: ');
    keyboard.write('correct horse\r');
    await screen.waitFor('password (again): ');
    keyboard.write('battery staple\r');
    const result = await running;
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('password: \npassword (again): \ntidings: the two passwords do not match\n');
    expect(keyboard.isRaw).toBe(false);
  });

  it('exits 130 when the user presses Ctrl-C at the password prompt', async () => {
    const keyboard = new FakeTerminal();
    const screen = new Capture();
    const running = runCli(['register', 'alice'], { env: {}, stdin: keyboard, stderr: screen });
    await screen.waitFor('password: ');
    keyboard.write('\u0003');
    const result = await running;
    expect(result.status).toBe(130);
    expect(result.stderr).toMatch(/tidings: interrupted\n$/);
    expect(keyboard.isRaw).toBe(false);
  });

  it('checks the password rules before sending anything', async () => {
    const result = await runCli(['register', 'alice', '--password-stdin', '--json', '--url', 'mqtt://127.0.0.1:9'], {
      env: {},
      stdin: 'short\n',
    });
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { code: 'INVALID_PASSWORD', message: 'A password has at least 8 characters.' },
    });
  });

  it('checks the username rules before asking for a password', async () => {
    const result = await runCli(['register', 'no way!', '--json'], { env: {} });
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_USERNAME' } });
  });
});
