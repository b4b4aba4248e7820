import { TidingsError } from '@tidings/protocol';
import { accountEvent, issueToken, type Handler, type Logger } from '@tidings/service-kit';
import { accountGroup, lineTicket, takeClientAttempt, verifyThrottled, type AuthContext } from '../context.js';
import { EVENT_RETENTION_MS } from '../events.js';

/** One answer for an unknown username and a wrong password, so neither tells which it was. */
export const INVALID_CREDENTIALS_MESSAGE = 'The username or password is wrong.';

/**
 * auth.login (guest): checks the password and opens a session. The reply's token is the MQTT
 * password of the next connection (as `<username>:<device>`); only its sha256 is stored. The sign-in
 * is recorded as an account event (events older than a year are dropped then). An account keeps at
 * most `maxSessionsPerUser` active sessions: a sign-in past it ends the oldest ones (each session
 * may hold broker state — devices, queues — so their number is bounded like every such resource).
 */
export function loginHandler(auth: AuthContext): Handler<'auth.login'> {
  return async (request, ctx) => {
    await takeClientAttempt(auth, ctx.caller.clientId);
    const { username, password } = request;
    const prisma = auth.db.prisma;
    const lookup: { user: { id: string; username: string; passwordHash: string } | null } = { user: null };
    const ok = await verifyThrottled(
      auth,
      { key: `login:${username}`, username, clientId: ctx.caller.clientId },
      password,
      async () => {
        lookup.user = await prisma.user.findUnique({ where: { username }, select: { id: true, username: true, passwordHash: true } });
        return lookup.user?.passwordHash;
      },
      ctx.logger,
    );
    const found = lookup.user;
    if (!ok || !found) throw new TidingsError('INVALID_CREDENTIALS', INVALID_CREDENTIALS_MESSAGE);

    if (auth.hasher.needsRehash?.(found.passwordHash)) {
      // Parameters were raised since this hash was made: store a stronger one now that we have the password.
      try {
        const passwordHash = await auth.hashLine.run(lineTicket(accountGroup(found.username), ctx.caller.clientId), () => auth.hasher.hash(password));
        await prisma.user.updateMany({ where: { id: found.id, passwordHash: found.passwordHash }, data: { passwordHash } });
      } catch (err) {
        ctx.logger.warn({ err, username: found.username }, 'could not upgrade the password hash');
      }
    }

    const issued = issueToken();
    const now = auth.now();
    const expiresAt = now + auth.settings.sessionTtlMs;
    await prisma.$transaction([
      prisma.session.create({
        data: {
          id: issued.sessionId,
          userId: found.id,
          tokenHash: issued.tokenHash,
          device: request.device ?? null,
          name: request.name ?? null,
          createdAt: new Date(now),
          lastSeenAt: new Date(now),
          expiresAt: new Date(expiresAt),
        },
      }),
      prisma.accountEvent.create({ data: accountEvent(found.id, 'signed-in', now, request.device ?? null) }),
      prisma.accountEvent.deleteMany({ where: { userId: found.id, at: { lt: new Date(now - EVENT_RETENTION_MS) } } }),
    ]);
    ctx.logger.info({ username: found.username, sessionId: issued.sessionId }, 'signed in');
    await endOldestSessions(auth, found, now, ctx.logger);
    return { username: found.username, token: issued.token, sessionId: issued.sessionId, expiresAt };
  };
}

/** Ends the account's active sessions beyond the newest `maxSessionsPerUser`, and has the broker close their connections. */
async function endOldestSessions(auth: AuthContext, user: { id: string; username: string }, now: number, logger: Logger): Promise<void> {
  const prisma = auth.db.prisma;
  const excess = await prisma.session.findMany({
    where: { userId: user.id, revokedAt: null, expiresAt: { gt: new Date(now) } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: auth.settings.maxSessionsPerUser,
    select: { id: true, device: true },
  });
  if (excess.length === 0) return;
  const ids = excess.map((s) => s.id);
  const at = new Date(now);
  await prisma.$transaction([
    prisma.session.updateMany({ where: { id: { in: ids }, revokedAt: null }, data: { revokedAt: at } }),
    ...excess.map((s) => prisma.accountEvent.create({ data: accountEvent(user.id, 'session-revoked', now, s.device) })),
  ]);
  auth.revocations.announce({ sessionIds: ids, username: user.username, reason: 'revoked' });
  logger.info({ username: user.username, sessionIds: ids, max: auth.settings.maxSessionsPerUser }, 'oldest sessions ended: too many active sessions');
}
