import { TidingsError } from '@tidings/protocol';
import { accountEvent, callerUsername, type Handler } from '@tidings/service-kit';
import { type AuthContext } from '../context.js';

/**
 * auth.revoke (user): ends one of the caller's active sessions (from any device, this one too)
 * and has the broker close its live connections. Anyone else's session, an unknown one and one
 * already ended all get the same NOT_FOUND, so the answer tells nothing about other accounts.
 */
export function revokeHandler(auth: AuthContext): Handler<'auth.revoke'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const now = new Date(auth.now());
    const prisma = auth.db.prisma;
    const revoked = await prisma.$transaction(async (tx) => {
      const session = await tx.session.findFirst({
        where: { id: request.sessionId, revokedAt: null, expiresAt: { gt: now }, user: { username } },
        select: { id: true, userId: true, device: true },
      });
      if (!session) return null;
      const { count } = await tx.session.updateMany({ where: { id: session.id, revokedAt: null }, data: { revokedAt: now } });
      if (count === 0) return null; // ended meanwhile
      await tx.accountEvent.create({ data: accountEvent(session.userId, 'session-revoked', now, session.device) });
      return session;
    });
    if (!revoked) throw new TidingsError('NOT_FOUND', 'You have no active session with that id.');
    auth.revocations.announce({ sessionIds: [revoked.id], username, reason: 'revoked' });
    ctx.logger.info({ username, sessionId: revoked.id }, 'session revoked');
    return { revoked: true };
  };
}
