import { DEVICE_PATTERN, TidingsError } from '@tidings/protocol';
import { asGuest, asUser, linkOf } from '../broker.js';
import { UsageError, defineCommand } from '../command.js';
import type { Session } from '../session-store.js';
import { PROMPT_STDIN_FLAGS, answersFromStdin, formatTime, normalizeUsername, promptStdinOptions } from './shared.js';

export default defineCommand({
  name: 'login',
  summary: 'Sign in and keep the session on this machine',
  description:
    'Asks for the password (hidden) on a terminal, or reads it from standard input (below).\n' +
    'The session is saved (mode 0600) in $TIDINGS_CLI_HOME\n' +
    'and checked by connecting as the user. A previous session on this machine (same broker) is ended.',
  args: [{ name: 'user' }],
  options: {
    device: { type: 'string', value: 'label', help: 'Name this device (default: a random id made once per machine)' },
    ...promptStdinOptions,
  },
  prompts: ['password'],
  async run(ctx) {
    const username = normalizeUsername(ctx.args.user!);
    const device = ctx.options.device ?? (await ctx.home.deviceId());
    if (!DEVICE_PATTERN.test(device)) throw new UsageError('--device takes 1–40 of A-Z a-z 0-9 _ -');
    const fromStdin = answersFromStdin(ctx.options);
    const password = await ctx.prompter({ fromStdin, flag: PROMPT_STDIN_FLAGS }).secret('password');

    const login = await asGuest(ctx.url, (conn) => conn.request('auth.login', { username, password, device }), linkOf(ctx));
    const previous = await ctx.home.readSession().catch(() => null);
    const session: Session = {
      url: ctx.url,
      username: login.username,
      token: login.token,
      sessionId: login.sessionId,
      expiresAt: login.expiresAt,
      device,
    };
    await ctx.home.writeSession(session);

    let who;
    try {
      who = await asUser(session.url, session, (conn) => conn.request('auth.whoami', {}), { link: linkOf(ctx) });
    } catch (err) {
      if (err instanceof TidingsError && err.code === 'UNAUTHORIZED') await ctx.home.removeSession();
      const reason = err instanceof Error ? err.message : String(err);
      throw new TidingsError(err instanceof TidingsError ? err.code : 'INTERNAL', `signed in, but connecting with the new session failed: ${reason}`, {
        cause: err,
      });
    }
    if (who.username !== session.username) {
      await ctx.home.removeSession();
      throw new TidingsError('INTERNAL', `the broker says this session belongs to ${who.username}, not ${session.username}`);
    }
    if (previous && previous.url === session.url && previous.sessionId !== session.sessionId) await endQuietly(previous);

    return {
      text: `signed in as ${session.username} (session expires ${formatTime(session.expiresAt)})`,
      data: {
        username: session.username,
        sessionId: session.sessionId,
        expiresAt: session.expiresAt,
        device: session.device,
        url: session.url,
      },
    };
  },
});

/** Ends the session this login replaces, if the broker still takes it; failures do not matter. */
async function endQuietly(previous: Session): Promise<void> {
  try {
    await asUser(previous.url, previous, (conn) => conn.request('auth.logout', { sessionId: previous.sessionId }, { timeoutMs: 3_000 }));
  } catch {
    // Expired, revoked or unreachable: nothing to end, or nothing we can do.
  }
}
