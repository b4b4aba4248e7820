import { callerUsername, type Handler } from '@tidings/service-kit';
import { byCodeUnits, type QueryContext } from '../context.js';
import { listPage } from '../paging.js';
import { BY_NAME } from './room-list.js';

/**
 * user.list (user): the directory (the original's display_all_users), sorted by username:
 * online or not, when last seen (only while offline), when they last sent a message — a page at a
 * time (LIST_LIMIT_MAX users, PAGE_BYTES), from the first username after `after`.
 */
export function userListHandler(q: QueryContext): Handler<'user.list'> {
  return async (request, ctx) => {
    callerUsername(ctx);
    const users = await q.db.prisma.user.findMany({
      select: { username: true, online: true, lastSeenAt: true, lastMessageAt: true },
    });
    // Sorted here, not in SQL: PostgreSQL's collation may order `.`, `_` and `-` differently from SQLite.
    users.sort((a, b) => byCodeUnits(a.username, b.username));
    const all = users.map((u) => ({
      u: u.username,
      online: u.online,
      ...(!u.online && u.lastSeenAt ? { seen: u.lastSeenAt.getTime() } : {}),
      ...(u.lastMessageAt ? { lastMsg: u.lastMessageAt.getTime() } : {}),
    }));
    const { items, ...page } = listPage(all, request, { ...BY_NAME, keyOf: (u) => u.u });
    return { users: items, ...page };
  };
}
