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
 * room.list (user): every public room and the private rooms the caller is a member of, sorted by
 * name, with its member count, last sequence number, topic, `private: true` for a private one and
 * whether the caller is in it — a page at a time (LIST_LIMIT_MAX rooms, PAGE_BYTES), from the first
 * name after `after`. A private room the caller is not in is not there at all: its name is never
 * told to a non-member.
 */
export function roomListHandler(q: QueryContext): Handler<'room.list'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const rooms = await q.db.prisma.conversation.findMany({
      where: { kind: 'room', OR: [{ private: false }, { members: { some: { user: { username } } } }] },
      select: {
        name: true,
        lastSeq: true,
        private: true,
        topic: true,
        _count: { select: { members: true } },
        members: { where: { user: { username } }, select: { userId: true }, take: 1 },
      },
    });
    rooms.sort((a, b) => byCodeUnits(a.name ?? '', b.name ?? '')); // not in SQL: collations differ
    const all = rooms.map((r) => ({
      name: r.name ?? '',
      members: r._count.members,
      lastSeq: r.lastSeq,
      joined: r.members.length > 0,
      ...(r.private ? { private: true as const } : {}),
      ...(r.topic ? { topic: r.topic } : {}),
    }));
    const { items, ...page } = listPage(all, request, { ...BY_NAME, keyOf: (r) => r.name });
    return { rooms: items, ...page };
  };
}
