import { sessionNameProblem } from '@tidings/protocol';
import { requireSession, withSession } from '../broker.js';
import { UsageError, defineCommand } from '../command.js';
import { formatTime } from './shared.js';
import { tidings } from '../invocation.js';

export default defineCommand({
  name: 'sessions',
  summary: 'List your signed-in sessions, end one (sessions revoke <id>) or name one (sessions rename <id> <name>)',
  description:
    'Lists the active sessions of your account, most recently seen first: id, device, its name,\n' +
    'when it signed in, was last seen connecting and expires; * marks this machine. With revoke <id>\n' +
    'the session is ended and its live connections are closed; revoking this machine’s session signs\n' +
    'this machine out. With rename <id> <name> the session gets a name people recognise (1–64\n' +
    'characters, one line; what the web app lists it as). An id that starts with - goes after --:\n' +
    'tidings sessions revoke -- -Ab3…',
  args: [
    { name: 'action', label: 'revoke|rename', optional: true },
    { name: 'id', optional: true },
    { name: 'name', optional: true, rest: true },
  ],
  async run(ctx) {
    const { action, id, name } = ctx.args;
    if (action !== undefined && action !== 'revoke' && action !== 'rename' && action !== 'list')
      throw new UsageError(`sessions takes revoke <id>, rename <id> <name> or nothing, not "${action}"`);
    if ((action === 'revoke' || action === 'rename') && id === undefined) throw new UsageError(`sessions ${action} needs <id> (see ${tidings()} sessions)`);
    if (action === 'rename' && name === undefined) throw new UsageError(`sessions rename needs <id> <name>`);
    const problem = action === 'rename' && name !== undefined ? sessionNameProblem(name) : null;
    if (problem) throw new UsageError(problem);
    if (action !== 'rename' && name !== undefined) throw new UsageError(`unexpected argument "${name}" (see ${tidings()} sessions --help)`);
    if (action !== 'revoke' && action !== 'rename' && id !== undefined) throw new UsageError(`unexpected argument "${id}" (see ${tidings()} sessions --help)`);
    const session = await requireSession(ctx);

    if (action === 'rename') {
      const r = await withSession(ctx, session, (conn) => conn.request('auth.rename', { sessionId: id!, name: name! }));
      return { text: `session ${id} is now named "${r.name}"`, data: { sessionId: id, name: r.name } };
    }

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
      s.name ?? '-',
      formatTime(s.createdAt),
      formatTime(s.lastSeenAt),
      formatTime(s.expiresAt),
    ]);
    const header = ['  id', 'device', 'name', 'signed in', 'last seen', 'expires'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    return { text: [line(header), ...rows.map(line)].join('\n'), data: { sessions } };
  },
});
