import { callerUsername, type Handler } from '@tidings/service-kit';
import { byCodeUnits, type QueryContext } from '../context.js';

/**
 * user.list (user): the directory (the original's display_all_users), sorted by username:
 * online or not, when last seen (only while offline), when they last sent a message.
 */
export function userListHandler(q: QueryContext): Handler<'user.list'> {
  return async (_request, ctx) => {
    callerUsername(ctx);
    const users = await q.db.prisma.user.findMany({
      select: { username: true, online: true, lastSeenAt: true, lastMessageAt: true },
    });
    // Sorted here, not in SQL: PostgreSQL's collation may order `.`, `_` and `-` differently from SQLite.
    users.sort((a, b) => byCodeUnits(a.username, b.username));
    return {
      users: users.map((u) => ({
        u: u.username,
        online: u.online,
        ...(!u.online && u.lastSeenAt ? { seen: u.lastSeenAt.getTime() } : {}),
        ...(u.lastMessageAt ? { lastMsg: u.lastMessageAt.getTime() } : {}),
      })),
    };
  };
}
