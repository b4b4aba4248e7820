import { randomUUID } from 'node:crypto';
import { DEFAULT_ROOM, ROOM_MEMBERS_MAX, TidingsError, passwordProblem, usernameProblem } from '@tidings/protocol';
import type { Handler } from '@tidings/service-kit';
import { SIGN_UP_GROUP, isUniqueViolation, lineTicket, takeClientAttempt, type AuthContext } from '../context.js';

/**
 * The default room (`general`) a new account joins, if it is there, public and not full
 * (ROOM_MEMBERS_MAX, the bound chat-store keeps for every room).
 */
async function defaultRoomToJoin(auth: AuthContext): Promise<{ id: string; lastSeq: number } | null> {
  const room = await auth.db.prisma.conversation.findUnique({ where: { name: DEFAULT_ROOM }, select: { id: true, kind: true, private: true, lastSeq: true } });
  if (!room || room.kind !== 'room' || room.private) return null;
  if ((await auth.db.prisma.membership.count({ where: { conversationId: room.id } })) >= ROOM_MEMBERS_MAX) return null;
  return { id: room.id, lastSeq: room.lastSeq };
}

/**
 * auth.register (guest): creates an account, a member of the default room (`general`) from the
 * start. The schema has already trimmed and lower-cased the username.
 */
export function registerHandler(auth: AuthContext): Handler<'auth.register'> {
  return async (request, ctx) => {
    await takeClientAttempt(auth, ctx.caller.clientId);
    const { username, password } = request;
    const badName = usernameProblem(username);
    if (badName) throw new TidingsError('INVALID_USERNAME', badName);
    const badPassword = passwordProblem(password, username);
    if (badPassword) throw new TidingsError('INVALID_PASSWORD', badPassword);
    const prisma = auth.db.prisma;
    // A cheap check first, so a taken name costs no hash; the unique index settles races.
    if (await prisma.user.findUnique({ where: { username }, select: { id: true } })) throw taken();
    const passwordHash = await auth.hashLine.run(lineTicket(SIGN_UP_GROUP, ctx.caller.clientId), () => auth.hasher.hash(password));
    const now = new Date(auth.now());
    const general = await defaultRoomToJoin(auth);
    try {
      await prisma.user.create({
        data: {
          id: randomUUID(),
          username,
          passwordHash,
          createdAt: now,
          updatedAt: now,
          // A new account is in the default room and can say something at once, with nothing unread.
          ...(general ? { memberships: { create: [{ conversationId: general.id, joinedAt: now, lastReadSeq: general.lastSeq }] } } : {}),
        },
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw taken();
      throw err;
    }
    ctx.logger.info({ username }, 'registered');
    return { username };
  };
}

function taken(): TidingsError {
  return new TidingsError('USERNAME_TAKEN', 'That username is already taken.');
}
