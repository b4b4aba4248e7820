import { normalizeRecoveryCode } from '@tidings/protocol';
import { asGuest, linkOf, signInHint } from '../broker.js';
import { defineCommand } from '../command.js';
import { askSecret } from './recovery-common.js';
import { PROMPT_STDIN_FLAGS, answersFromStdin, askNewPassword, normalizeUsername, plural, promptStdinOptions, requirePrompts } from './shared.js';

export default defineCommand({
  name: 'recover',
  summary: 'Reset a forgotten password with your security question or a recovery code',
  description:
    'Shows the security question of <user>, then asks for the answer (hidden) and a new password\n' +
    '(twice on a terminal). With --code it asks for one of your recovery codes instead of the\n' +
    'answer; the code is used up. Every session of the account is signed out; sign in again with\n' +
    'the new password. A wrong answer or code gets the same reply whatever the reason, and\n' +
    'after five failures within an hour recovery of that account pauses (signing in does not).',
  args: [{ name: 'user' }],
  options: {
    code: { type: 'boolean', help: 'Use a recovery code instead of the security question' },
    ...promptStdinOptions,
  },
  prompts: ['the answer to the security question (with --code: a recovery code)', 'the new password'],
  async run(ctx) {
    const username = normalizeUsername(ctx.args.user!);
    const fromStdin = answersFromStdin(ctx.options);
    const withCode = ctx.options.code === true;
    requirePrompts(ctx.io, fromStdin);
    const prompter = ctx.prompter({ fromStdin, flag: PROMPT_STDIN_FLAGS });

    const outcome = await asGuest(
      ctx.url,
      async (conn) => {
        if (withCode) {
          const typed = await askSecret(prompter, fromStdin, 'recovery code', false);
          const newPassword = await askNewPassword(prompter, fromStdin, username, 'new password');
          const code = normalizeRecoveryCode(typed) ?? typed; // a malformed code fails at the service like a wrong one
          return { question: null, ...(await conn.request('recovery.code', { username, code, newPassword })) };
        }
        const { question } = await conn.request('recovery.question', { username });
        if (!fromStdin) ctx.io.stderr.write(`Security question: ${question}\n`);
        const answer = await askSecret(prompter, fromStdin, 'answer', false);
        const newPassword = await askNewPassword(prompter, fromStdin, username, 'new password');
        return { question, ...(await conn.request('recovery.reset', { username, answer, newPassword })) };
      },
      linkOf(ctx),
    );

    // A session saved on this machine for this account was signed out with all the others.
    const saved = await ctx.home.readSession().catch(() => null);
    if (saved && saved.username === username && saved.url === ctx.url) await ctx.home.removeSession();

    return {
      text:
        `password of ${username} reset; ${plural(outcome.revokedSessions, 'session', 'sessions')} signed out\n` +
        `now run: ${signInHint(username, ctx.url, ctx.urlGiven, ctx.tls)}`,
      data: { username, method: withCode ? 'code' : 'question', question: outcome.question, revokedSessions: outcome.revokedSessions },
    };
  },
});
