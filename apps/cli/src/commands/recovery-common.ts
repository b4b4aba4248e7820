import { TidingsError, type AccountEvent } from '@tidings/protocol';
import type { Prompter } from '../prompt.js';

/**
 * Asks for a secret answer (security answer, recovery code): hidden, and on a terminal twice when
 * `confirm` (the two must match). From standard input: one line.
 */
export async function askSecret(prompter: Prompter, fromStdin: boolean, label: string, confirm: boolean): Promise<string> {
  const value = await prompter.secret(label);
  if (confirm && !fromStdin) {
    const again = await prompter.secret(`${label} (again)`);
    if (again !== value) throw new TidingsError('BAD_REQUEST', `the two ${label}s do not match`);
  }
  return value;
}

const EVENT_TEXT: Record<AccountEvent['kind'], (detail: string | null) => string> = {
  'signed-in': (d) => `signed in${d ? ` (device ${d})` : ''}`,
  'session-revoked': (d) => `a session was revoked${d ? ` (device ${d})` : ''}`,
  'password-changed': () => 'password changed',
  'password-reset': (d) => `password reset with ${d === 'code' ? 'a recovery code' : 'the security question'}`,
  'security-question-set': (d) => (d === 'replaced' ? 'security question replaced' : 'security question set'),
  'recovery-codes-generated': () => 'new recovery codes made (the earlier ones stopped working)',
  'recovery-failed': (d) => `failed recovery attempt with ${d === 'code' ? 'a recovery code' : 'the security question'}`,
};

/** One account event as a line for people. */
export function describeEvent(event: AccountEvent): string {
  return EVENT_TEXT[event.kind](event.detail);
}
