import { PasswordInput, TidingsError, UsernameInput, passwordProblem, usernameProblem } from '@tidings/protocol';
import type { Io, OptionSpecs } from '../command.js';
import type { Prompter } from '../prompt.js';

/**
 * The one way every command that prompts is driven from a script: `--stdin` and its twin
 * `--password-stdin` both read the answers to all of the command's prompts from standard input,
 * one line each, in the order the command's help lists them (`prompts`), and never ask twice.
 */
export const promptStdinOptions = {
  stdin: { type: 'boolean', help: 'Read the answers to the prompts from standard input, one line each (below)' },
  'password-stdin': { type: 'boolean', help: 'The same as --stdin' },
} as const satisfies OptionSpecs;

/** How the error without a terminal names the flags. */
export const PROMPT_STDIN_FLAGS = '--stdin or --password-stdin';

/** True when the answers come from standard input (`--stdin` or `--password-stdin`). */
export function answersFromStdin(options: { stdin?: boolean | undefined; 'password-stdin'?: boolean | undefined }): boolean {
  return options.stdin === true || options['password-stdin'] === true;
}

/**
 * Fails at once (before anything is fetched or shown) when the command would have to prompt and
 * there is no terminal to prompt on; the same rule and message as the prompter's.
 */
export function requirePrompts(io: Io, fromStdin: boolean): void {
  if (fromStdin) return;
  if (io.stdin.isTTY && typeof io.stdin.setRawMode === 'function') return;
  throw new TidingsError('BAD_REQUEST', `no terminal to prompt on: use ${PROMPT_STDIN_FLAGS}`);
}

/** A username as the server will see it (trimmed, lower-case), checked against the same rules. */
export function normalizeUsername(raw: string): string {
  const username = UsernameInput.parse(raw);
  const problem = usernameProblem(username);
  if (problem) throw new TidingsError('INVALID_USERNAME', problem);
  return username;
}

/**
 * Asks for a new password: twice on a terminal (the two must match), once from standard
 * input. The password rules are checked here too, before anything is sent.
 */
export async function askNewPassword(prompter: Prompter, fromStdin: boolean, username: string, label: string): Promise<string> {
  const password = await prompter.secret(label);
  if (!fromStdin) {
    const again = await prompter.secret(`${label} (again)`);
    if (again !== password) throw new TidingsError('BAD_REQUEST', 'the two passwords do not match');
  }
  if (!PasswordInput.safeParse(password).success) throw new TidingsError('INVALID_PASSWORD', 'the password is too long');
  const problem = passwordProblem(password, username);
  if (problem) throw new TidingsError('INVALID_PASSWORD', problem);
  return password;
}

/** A timestamp as people and logs both read it: `2026-12-26 18:00 UTC`. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
