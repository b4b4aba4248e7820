import { requireSession, sessionUrl, withSession } from '../broker.js';
import { defineCommand } from '../command.js';
import { formatTime } from './shared.js';

export default defineCommand({
  name: 'whoami',
  summary: 'Show who the broker says you are',
  description:
    'Connects with the saved session and asks the auth service. When the broker refuses the\n' + 'session (expired or revoked), the saved session is removed.',
  async run(ctx) {
    const session = await requireSession(ctx);
    const who = await withSession(ctx, session, (conn) => conn.request('auth.whoami', {}));
    return {
      text: who.username,
      data: {
        username: who.username,
        createdAt: who.createdAt,
        sessionId: session.sessionId,
        expiresAt: session.expiresAt,
        expires: formatTime(session.expiresAt),
        device: session.device,
        url: sessionUrl(ctx, session),
      },
    };
  },
});
