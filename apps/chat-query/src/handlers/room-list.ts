import { callerUsername, type Handler } from '@tidings/service-kit';
import { byCodeUnits, type QueryContext } from '../context.js';
import { listPage } from '../paging.js';

/** Rooms and users are paged by name: `next` is the last name of the page. */
export const BY_NAME = {
  compare: byCodeUnits,
  cursorOf: (name: string) => name,
  parse: (cursor: string) => cursor,
};

/**
 * room.list (user): every room, sorted by name, with its member count, last sequence number and
 * whether the caller is in it — a page at a time (LIST_LIMIT_MAX rooms, PAGE_BYTES), from the
 * first name after `after`.
 */
export function roomListHandler(q: QueryContext): Handler<'room.list'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const rooms = await q.db.prisma.conversation.findMany({
      where: { kind: 'room' },
      select: {
        name: true,
        lastSeq: true,
        _count: { select: { members: true } },
        members: { where: { user: { username } }, select: { userId: true }, take: 1 },
      },
    });
    rooms.sort((a, b) => byCodeUnits(a.name ?? '', b.name ?? '')); // not in SQL: collations differ
    const all = rooms.map((r) => ({ name: r.name ?? '', members: r._count.members, lastSeq: r.lastSeq, joined: r.members.length > 0 }));
    const { items, ...page } = listPage(all, request, { ...BY_NAME, keyOf: (r) => r.name });
    return { rooms: items, ...page };
  };
}
