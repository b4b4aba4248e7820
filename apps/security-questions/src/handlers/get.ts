import { TidingsError } from '@tidings/protocol';
import { callerUsername, type Handler } from '@tidings/service-kit';
import { type RecoveryContext } from '../context.js';

/** security.get (user): the caller's question (never the answer) and how many recovery codes are unused. */
export function getHandler(rc: RecoveryContext): Handler<'security.get'> {
  return async (_request, ctx) => {
    const username = callerUsername(ctx);
    const user = await rc.db.prisma.user.findUnique({
      where: { username },
      select: {
        securityQuestion: { select: { question: true, updatedAt: true } },
        _count: { select: { recoveryCodes: { where: { usedAt: null } } } },
      },
    });
    if (!user) throw new TidingsError('UNAUTHORIZED', 'This account no longer exists.');
    return {
      question: user.securityQuestion?.question ?? null,
      updatedAt: user.securityQuestion?.updatedAt.getTime() ?? null,
      codesLeft: user._count.recoveryCodes,
    };
  };
}
