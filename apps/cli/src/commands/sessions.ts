import { requireSession, withSession } from '../broker.js';
import { UsageError, defineCommand } from '../command.js';
import { formatTime } from './shared.js';
import { tidings } from '../invocation.js';

export default defineCommand({
  name: 'sessions',
  summary: 'List your signed-in sessions, or end one (sessions revoke <id>)',
  description:
    'Lists the active sessions of your account, most recently seen first: id, device, when it\n' +
    'signed in, was last seen connecting and expires; * marks this machine. With revoke <id> the\n' +
    'session is ended and its live connections are closed; revoking this machine’s session signs\n' +
    'this machine out. An id that starts with - goes after --: tidings sessions revoke -- -Ab3…',
  args: [
    { name: 'action', label: 'revoke', optional: true },
    { name: 'id', optional: true },
  ],
  async run(ctx) {
    const { action, id } = ctx.args;
    if (action !== undefined && action !== 'revoke' && action !== 'list') throw new UsageError(`sessions takes revoke <id> or nothing, not "${action}"`);
    if (action === 'revoke' && id === undefined) throw new UsageError(`sessions revoke needs <id> (see ${tidings()} sessions)`);
    if (action !== 'revoke' && id !== undefined) throw new UsageError(`unexpected argument "${id}" (see ${tidings()} sessions --help)`);
    const session = await requireSession(ctx);

    if (action === 'revoke') {
      await withSession(ctx, session, (conn) => conn.request('auth.revoke', { sessionId: id! }));
      const own = id === session.sessionId;
      if (own) await ctx.home.removeSession();
      return {
        text: own ? `session ${id} revoked (this machine is signed out)` : `session ${id} revoked`,
        data: { sessionId: id, revoked: true, current: own },
      };
    }

    const { sessions } = await withSession(ctx, session, (conn) => conn.request('auth.sessions', { sessionId: session.sessionId }));
    const rows = sessions.map((s) => [
      `${s.current ? '*' : ' '} ${s.id}`,
      s.device ?? '-',
      formatTime(s.createdAt),
      formatTime(s.lastSeenAt),
      formatTime(s.expiresAt),
    ]);
    const header = ['  id', 'device', 'signed in', 'last seen', 'expires'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    return { text: [line(header), ...rows.map(line)].join('\n'), data: { sessions } };
  },
});
