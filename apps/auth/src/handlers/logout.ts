import { callerUsername, type Handler } from '@tidings/service-kit';
import { type AuthContext } from '../context.js';

/**
 * auth.logout (user): ends one of the caller's own sessions and has the broker close its live
 * connections. Someone else's session, an unknown one or one already ended answers
 * `revoked: false` (and tells nothing about whose it is).
 */
export function logoutHandler(auth: AuthContext): Handler<'auth.logout'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const { count } = await auth.db.prisma.session.updateMany({
      where: { id: request.sessionId, revokedAt: null, user: { username } },
      data: { revokedAt: new Date(auth.now()) },
    });
    if (count === 0) return { revoked: false };
    auth.revocations.announce({ sessionIds: [request.sessionId], username, reason: 'logout' });
    ctx.logger.info({ username, sessionId: request.sessionId }, 'signed out');
    return { revoked: true };
  };
}
