import { TidingsError, passwordProblem } from '@tidings/protocol';
import { accountEvent, callerUsername, type Handler } from '@tidings/service-kit';
import { accountGroup, lineTicket, verifyThrottled, type AuthContext } from '../context.js';

/**
 * auth.passwd (user): changes the caller's password after checking the current one (throttled
 * like sign-in, under its own key), and revokes every other live session of the account; the
 * session named in the request (the caller's own, normally) is kept.
 */
export function passwdHandler(auth: AuthContext): Handler<'auth.passwd'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const { currentPassword, newPassword } = request;
    if (newPassword === currentPassword) throw new TidingsError('INVALID_PASSWORD', 'The new password must differ from the current one.');
    const problem = passwordProblem(newPassword, username);
    if (problem) throw new TidingsError('INVALID_PASSWORD', problem);

    const prisma = auth.db.prisma;
    const user = await prisma.user.findUnique({ where: { username }, select: { id: true, passwordHash: true } });
    if (!user) throw new TidingsError('UNAUTHORIZED', 'This account no longer exists.');
    const attempt = { key: `passwd:${username}`, username, clientId: ctx.caller.clientId };
    const ok = await verifyThrottled(auth, attempt, currentPassword, async () => user.passwordHash, ctx.logger);
    if (!ok) throw new TidingsError('INVALID_CREDENTIALS', 'The current password is wrong.');

    const passwordHash = await auth.hashLine.run(lineTicket(accountGroup(username), ctx.caller.clientId), () => auth.hasher.hash(newPassword));
    const now = new Date(auth.now());
    const revokedIds = await prisma.$transaction(async (tx) => {
      // Only if nobody changed the password since we read it (two changes racing).
      const { count } = await tx.user.updateMany({
        where: { id: user.id, passwordHash: user.passwordHash },
        data: { passwordHash, updatedAt: now },
      });
      if (count === 0) throw new TidingsError('CONFLICT', 'The password was changed meanwhile; sign in again.');
      const others = await tx.session.findMany({
        where: {
          userId: user.id,
          revokedAt: null,
          expiresAt: { gt: now },
          ...(request.sessionId === undefined ? {} : { id: { not: request.sessionId } }),
        },
        select: { id: true },
      });
      const ids = others.map((s) => s.id);
      if (ids.length > 0) await tx.session.updateMany({ where: { id: { in: ids } }, data: { revokedAt: now } });
      await tx.accountEvent.create({ data: accountEvent(user.id, 'password-changed', now) });
      return ids;
    });
    if (revokedIds.length > 0) auth.revocations.announce({ sessionIds: revokedIds, username, reason: 'password-changed' });
    ctx.logger.info({ username, revokedSessions: revokedIds.length }, 'password changed');
    return { revokedSessions: revokedIds.length };
  };
}
