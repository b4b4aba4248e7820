import { PasswordInput, TidingsError, UsernameInput, passwordProblem, usernameProblem } from '@tidings/protocol';
import type { OptionSpec } from '../command.js';
import type { Prompter } from '../prompt.js';

export const passwordStdinOption = {
  type: 'boolean',
  help: 'Read the password(s) from standard input, one per line, instead of prompting',
} as const satisfies OptionSpec;

export const PASSWORD_STDIN_FLAG = '--password-stdin';

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
