import { TidingsError, answerProblem, normalizeAnswer, normalizeQuestion, questionProblem } from '@tidings/protocol';
import { accountEvent, callerUsername, type Handler } from '@tidings/service-kit';
import { checkCurrentPassword, inHashLine, type RecoveryContext } from '../context.js';

/**
 * security.set (user): sets or replaces the caller's security question and answer. Always needs
 * the current password — setting the first one too: a session left open on a shared computer
 * must not be enough to plant a recovery path into the account. The answer is normalised and
 * stored as an argon2id hash; it is never stored, logged or returned as given.
 */
export function setHandler(rc: RecoveryContext): Handler<'security.set'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const qProblem = questionProblem(request.question);
    if (qProblem) throw new TidingsError('BAD_REQUEST', qProblem);
    const aProblem = answerProblem(request.answer);
    if (aProblem) throw new TidingsError('BAD_REQUEST', aProblem);
    const question = normalizeQuestion(request.question);
    const answer = normalizeAnswer(request.answer);
    if (wordsOf(question).includes(wordsOf(answer))) throw new TidingsError('BAD_REQUEST', 'The answer may not appear in the question.');

    const user = await checkCurrentPassword(rc, username, request.currentPassword, ctx.caller.clientId);
    const answerHash = await inHashLine(rc, { username, exists: true }, ctx.caller.clientId, () => rc.hasher.hash(answer));
    const now = new Date(rc.now());
    const replaced = await rc.db.prisma.$transaction(async (tx) => {
      const before = await tx.securityQuestion.findUnique({ where: { userId: user.id }, select: { userId: true } });
      await tx.securityQuestion.upsert({
        where: { userId: user.id },
        create: { userId: user.id, question, answerHash, updatedAt: now },
        update: { question, answerHash, updatedAt: now },
      });
      await tx.accountEvent.create({ data: accountEvent(user.id, 'security-question-set', now, before ? 'replaced' : 'set') });
      return before !== null;
    });
    ctx.logger.info({ username, replaced }, 'security question set');
    return { question, replaced };
  };
}

/** Text as ` word word `: normalised like an answer, punctuation as spaces, so whole words can be matched. */
function wordsOf(text: string): string {
  return ` ${normalizeAnswer(text.replace(/[^\p{L}\p{N}\s]/gu, ' '))} `;
}
