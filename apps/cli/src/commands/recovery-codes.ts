import { requireSession, withSession } from '../broker.js';
import { defineCommand } from '../command.js';
import { PROMPT_STDIN_FLAGS, answersFromStdin, promptStdinOptions } from './shared.js';

export const CODES_WARNING =
  'Store these recovery codes somewhere safe (a password manager, or on paper): each resets your\n' +
  'password once, and they are shown only now. Any earlier codes no longer work.';

export default defineCommand({
  name: 'recovery-codes',
  summary: 'Make a new set of one-time recovery codes (the old set stops working)',
  description:
    'Asks for your current password, then prints ten new recovery codes, once.\n' + ' Use one with tidings recover <user> --code if you forget your password.',
  options: promptStdinOptions,
  prompts: ['current password'],
  async run(ctx) {
    const session = await requireSession(ctx);
    const fromStdin = answersFromStdin(ctx.options);
    const currentPassword = await ctx.prompter({ fromStdin, flag: PROMPT_STDIN_FLAGS }).secret('current password');
    const { codes } = await withSession(ctx, session, (conn) => conn.request('recovery.codes', { currentPassword }));
    return {
      text: `${CODES_WARNING}\n\n${codes.map((c) => `  ${c}`).join('\n')}`,
      data: { username: session.username, codes, warning: CODES_WARNING.replace(/\n/g, ' ') },
    };
  },
});
