import { requireSession, withSession } from '../broker.js';
import { defineCommand } from '../command.js';
import { STDIN_FLAG, stdinOption } from './recovery-common.js';

export const CODES_WARNING =
  'Store these recovery codes somewhere safe (a password manager, or on paper): each resets your\n' +
  'password once, and they are shown only now. Any earlier codes no longer work.';

export default defineCommand({
  name: 'recovery-codes',
  summary: 'Make a new set of one-time recovery codes (the old set stops working)',
  description:
    'Asks for your current password (with --stdin: line 1 of standard input), then prints ten new\n' +
    'recovery codes, once. Use one with tidings recover <user> --code if you forget your password.',
  options: { stdin: stdinOption },
  async run(ctx) {
    const session = await requireSession(ctx);
    const fromStdin = ctx.options.stdin === true;
    const currentPassword = await ctx.prompter({ fromStdin, flag: STDIN_FLAG }).secret('current password');
    const { codes } = await withSession(ctx, session, (conn) => conn.request('recovery.codes', { currentPassword }));
    return {
      text: `${CODES_WARNING}\n\n${codes.map((c) => `  ${c}`).join('\n')}`,
      data: { username: session.username, codes, warning: CODES_WARNING.replace(/\n/g, ' ') },
    };
  },
});
