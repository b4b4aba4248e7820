import { requireSession, withSession } from '../broker.js';
import { defineCommand } from '../command.js';
import { PROMPT_STDIN_FLAGS, answersFromStdin, askNewPassword, plural, promptStdinOptions } from './shared.js';

export default defineCommand({
  name: 'passwd',
  summary: 'Change your password (your other sessions are signed out)',
  description:
    'Asks for the current password, then the new one twice, on a terminal (each once from\n' + 'standard input).\n' + "This machine's session stays signed in.",
  options: promptStdinOptions,
  prompts: ['current password', 'new password'],
  async run(ctx) {
    const session = await requireSession(ctx);
    const fromStdin = answersFromStdin(ctx.options);
    const prompter = ctx.prompter({ fromStdin, flag: PROMPT_STDIN_FLAGS });
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
