import { TidingsError } from '@tidings/protocol';
import { requireSession, sessionUrl, withSession } from '../broker.js';
import { defineCommand } from '../command.js';

export default defineCommand({
  name: 'logout',
  summary: "End this machine's session",
  description:
    'Asks the auth service to end the saved session, then removes it. If the broker cannot be\n' +
    'reached the session is kept (it is still valid) and the command fails; if the session had\n' +
    'already expired or been revoked, it is removed.',
  async run(ctx) {
    const session = await requireSession(ctx);
    let revoked: boolean;
    try {
      ({ revoked } = await withSession(ctx, session, (conn) => conn.request('auth.logout', { sessionId: session.sessionId })));
    } catch (err) {
      // withSession removed the file: the session was already over, which is what was asked.
      if (!(err instanceof TidingsError && err.code === 'UNAUTHORIZED')) throw err;
      return {
        text: 'signed out (the session had already expired or been revoked)',
        data: { username: session.username, revoked: false, url: sessionUrl(ctx, session) },
      };
    }
    await ctx.home.removeSession();
    return { text: 'signed out', data: { username: session.username, revoked, url: sessionUrl(ctx, session) } };
  },
});
