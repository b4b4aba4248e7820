import { asGuest, linkOf, signInHint } from '../broker.js';
import { defineCommand } from '../command.js';
import { PROMPT_STDIN_FLAGS, answersFromStdin, askNewPassword, normalizeUsername, promptStdinOptions } from './shared.js';

export default defineCommand({
  name: 'register',
  summary: 'Create an account (it does not sign you in)',
  description: 'Asks for the password twice on a terminal (once from standard input). Then sign in with\n' + 'tidings login <user>.',
  args: [{ name: 'user' }],
  options: promptStdinOptions,
  prompts: ['password'],
  async run(ctx) {
    const username = normalizeUsername(ctx.args.user!);
    const fromStdin = answersFromStdin(ctx.options);
    const password = await askNewPassword(ctx.prompter({ fromStdin, flag: PROMPT_STDIN_FLAGS }), fromStdin, username, 'password');
    const result = await asGuest(ctx.url, (conn) => conn.request('auth.register', { username, password }), linkOf(ctx));
    return {
      text: `registered ${result.username}\nnow run: ${signInHint(result.username, ctx.url, ctx.urlGiven, ctx.tls)}`,
      data: { username: result.username },
    };
  },
});
