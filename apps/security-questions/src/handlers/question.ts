import { TidingsError, usernameProblem } from '@tidings/protocol';
import type { Handler } from '@tidings/service-kit';
import { takeAttempt, type RecoveryContext } from '../context.js';
import { decoyQuestion } from '../keys.js';

/**
 * recovery.question (guest): the account's security question. A username that does not exist,
 * and an account without a question, get a decoy from the built-in list — the same every time
 * for that name (an HMAC under the service's key) — so the answer never tells whether the account
 * exists. Both paths make the same one database query.
 */
export function questionHandler(rc: RecoveryContext): Handler<'recovery.question'> {
  return async (request, ctx) => {
    await takeAttempt(rc, rc.questionLookups, ctx.caller.clientId, 'Too many questions asked from this connection: wait and try again.');
    const { username } = request;
    const problem = usernameProblem(username);
    if (problem) throw new TidingsError('INVALID_USERNAME', problem);
    const decoy = decoyQuestion(rc.keys, username);
    const user = await rc.db.prisma.user.findUnique({
      where: { username },
      select: { securityQuestion: { select: { question: true } } },
    });
    return { question: user?.securityQuestion?.question ?? decoy };
  };
}
