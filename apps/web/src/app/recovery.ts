import { answerProblem, isTidingsError, normalizeRecoveryCode, passwordProblem, usernameProblem } from '@tidings/protocol';
import type { SavedSession } from '../state/identity.js';
import { FormError, asGuest, formError, type BrokerTarget } from './auth.js';
import { loginName } from './device-name.js';

/**
 * Recovering a forgotten password, as a guest: ask for the account's security question, then
 * reset the password with its answer or with a one-time recovery code. Every session of the
 * account is signed out by the reset; this browser then signs in with the new password.
 * The service answers an unknown username with a plausible question and the same failure as a
 * wrong answer, so nothing here tells whether an account exists.
 */

export async function recoveryQuestion(target: BrokerTarget, username: string): Promise<string> {
  const name = username.trim().toLowerCase();
  const problem = usernameProblem(name);
  if (problem) throw new FormError('username', problem);
  try {
    return await asGuest(target, async (conn) => (await conn.request('recovery.question', { username: name })).question);
  } catch (err) {
    throw formError(err);
  }
}

export type RecoveryMethod = 'question' | 'code';

export interface RecoverInput {
  username: string;
  method: RecoveryMethod;
  /** The answer, or the recovery code as typed. */
  secret: string;
  newPassword: string;
  device: string;
}

export async function recover(target: BrokerTarget, input: RecoverInput): Promise<{ session: SavedSession; revokedSessions: number }> {
  const username = input.username.trim().toLowerCase();
  let code: string | null = null;
  if (input.method === 'question') {
    const problem = answerProblem(input.secret);
    if (problem) throw new FormError('answer', problem);
  } else {
    code = normalizeRecoveryCode(input.secret);
    if (!code) throw new FormError('code', 'A recovery code has 10 letters and digits, like abcde-12345.');
  }
  const problem = passwordProblem(input.newPassword, username);
  if (problem) throw new FormError('password', problem);
  try {
    return await asGuest(target, async (conn) => {
      const { revokedSessions } =
        code === null
          ? await conn.request('recovery.reset', { username, answer: input.secret, newPassword: input.newPassword })
          : await conn.request('recovery.code', { username, code, newPassword: input.newPassword });
      const r = await conn.request('auth.login', { username, password: input.newPassword, device: input.device, ...loginName() });
      return { session: { username: r.username, token: r.token, sessionId: r.sessionId, expiresAt: r.expiresAt }, revokedSessions };
    });
  } catch (err) {
    if (isTidingsError(err) && err.code === 'INVALID_CREDENTIALS')
      throw new FormError(
        input.method === 'question' ? 'answer' : 'code',
        input.method === 'question'
          ? 'That answer does not match. Check the username and the answer.'
          : 'That code does not work: it may be mistyped or used already.',
      );
    throw formError(err);
  }
}
