import { TidingsError } from '@tidings/protocol';
import { callerUsername, type Handler } from '@tidings/service-kit';
import { type AuthContext } from '../context.js';

/** auth.whoami (user): the account the broker authenticated this connection as. */
export function whoamiHandler(auth: AuthContext): Handler<'auth.whoami'> {
  return async (_request, ctx) => {
    const username = callerUsername(ctx);
    const user = await auth.db.prisma.user.findUnique({ where: { username }, select: { username: true, createdAt: true } });
    if (!user) throw new TidingsError('UNAUTHORIZED', 'This account no longer exists.');
    return { username: user.username, createdAt: user.createdAt.getTime() };
  };
}
