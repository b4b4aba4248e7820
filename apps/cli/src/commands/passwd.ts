import { requireSession, withSession } from '../broker.js';
import { defineCommand } from '../command.js';
import { PASSWORD_STDIN_FLAG, askNewPassword, passwordStdinOption, plural } from './shared.js';

export default defineCommand({
  name: 'passwd',
  summary: 'Change your password (your other sessions are signed out)',
  description:
    'Asks for the current password, then the new one twice, on a terminal. With\n' +
    '--password-stdin, line 1 of standard input is the current password and line 2 the new one.\n' +
    "This machine's session stays signed in.",
  options: { 'password-stdin': passwordStdinOption },
  async run(ctx) {
    const session = await requireSession(ctx);
    const fromStdin = ctx.options['password-stdin'] === true;
    const prompter = ctx.prompter({ fromStdin, flag: PASSWORD_STDIN_FLAG });
    const currentPassword = await prompter.secret('current password');
    const newPassword = await askNewPassword(prompter, fromStdin, session.username, 'new password');
    const { revokedSessions } = await withSession(ctx, session, (conn) =>
      conn.request('auth.passwd', { currentPassword, newPassword, sessionId: session.sessionId }),
    );
    return {
      text: `password changed; ${plural(revokedSessions, 'other session', 'other sessions')} signed out`,
      data: { username: session.username, revokedSessions },
    };
  },
});
