import { TidingsError } from '@tidings/protocol';
import { callerUsername, type Handler } from '@tidings/service-kit';
import { type AuthContext } from '../context.js';

/**
 * auth.rename (user): names one of the caller's active sessions (what people call the device).
 * The name is checked by the protocol's schema (1–64 characters of one line, trimmed) before this
 * runs. Anyone else's session, an unknown one and one already ended all get the same NOT_FOUND
 * and change nothing, as for auth.revoke.
 */
export function renameHandler(auth: AuthContext): Handler<'auth.rename'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const { count } = await auth.db.prisma.session.updateMany({
      where: { id: request.sessionId, revokedAt: null, expiresAt: { gt: new Date(auth.now()) }, user: { username } },
      data: { name: request.name },
    });
    if (count === 0) throw new TidingsError('NOT_FOUND', 'You have no active session with that id.');
    ctx.logger.info({ username, sessionId: request.sessionId }, 'session renamed');
    return { name: request.name };
  };
}
