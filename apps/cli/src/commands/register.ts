import { asGuest, linkOf, signInHint } from '../broker.js';
import { defineCommand } from '../command.js';
import { PASSWORD_STDIN_FLAG, askNewPassword, normalizeUsername, passwordStdinOption } from './shared.js';

export default defineCommand({
  name: 'register',
  summary: 'Create an account (it does not sign you in)',
  description:
    'Asks for the password twice on a terminal. With --password-stdin the first line of\n' +
    'standard input is the password. Then sign in with tidings login <user>.',
  args: [{ name: 'user' }],
  options: { 'password-stdin': passwordStdinOption },
  async run(ctx) {
    const username = normalizeUsername(ctx.args.user!);
    const fromStdin = ctx.options['password-stdin'] === true;
    const password = await askNewPassword(ctx.prompter({ fromStdin, flag: PASSWORD_STDIN_FLAG }), fromStdin, username, 'password');
    const result = await asGuest(ctx.url, (conn) => conn.request('auth.register', { username, password }), linkOf(ctx));
    return {
      text: `registered ${result.username}\nnow run: ${signInHint(result.username, ctx.url, ctx.urlGiven)}`,
      data: { username: result.username },
    };
  },
});
