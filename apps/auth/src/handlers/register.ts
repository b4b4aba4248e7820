import { randomUUID } from 'node:crypto';
import { TidingsError, passwordProblem, usernameProblem } from '@tidings/protocol';
import type { Handler } from '@tidings/service-kit';
import { SIGN_UP_GROUP, isUniqueViolation, lineTicket, takeClientAttempt, type AuthContext } from '../context.js';

/** auth.register (guest): creates an account. The schema has already trimmed and lower-cased the username. */
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
    try {
      await prisma.user.create({ data: { id: randomUUID(), username, passwordHash, createdAt: now, updatedAt: now } });
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
