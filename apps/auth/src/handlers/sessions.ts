import { callerUsername, type Handler } from '@tidings/service-kit';
import { type AuthContext } from '../context.js';

/** The most sessions one answer lists (most recently seen first). */
export const SESSIONS_LIST_MAX = 100;

/**
 * auth.sessions (user): the caller's active sessions (not revoked, not expired), most recently
 * seen first. The dispatcher does not know which session a connection uses, so the client may
 * name its own: that only sets `current` on it.
 */
export function sessionsHandler(auth: AuthContext): Handler<'auth.sessions'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const rows = await auth.db.prisma.session.findMany({
      where: { user: { username }, revokedAt: null, expiresAt: { gt: new Date(auth.now()) } },
      orderBy: [{ lastSeenAt: 'desc' }, { createdAt: 'desc' }, { id: 'asc' }],
      take: SESSIONS_LIST_MAX,
      select: { id: true, device: true, name: true, createdAt: true, lastSeenAt: true, expiresAt: true },
    });
    return {
      sessions: rows.map((s) => ({
        id: s.id,
        device: s.device,
        name: s.name,
        createdAt: s.createdAt.getTime(),
        lastSeenAt: s.lastSeenAt.getTime(),
        expiresAt: s.expiresAt.getTime(),
        current: s.id === request.sessionId,
      })),
    };
  };
}
