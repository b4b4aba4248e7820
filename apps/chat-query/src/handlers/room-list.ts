import { callerUsername, type Handler } from '@tidings/service-kit';
import { byCodeUnits, type QueryContext } from '../context.js';

/** room.list (user): every room, sorted by name, with its member count, last sequence number and whether the caller is in it. */
export function roomListHandler(q: QueryContext): Handler<'room.list'> {
  return async (_request, ctx) => {
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
    return {
      rooms: rooms.map((r) => ({ name: r.name ?? '', members: r._count.members, lastSeq: r.lastSeq, joined: r.members.length > 0 })),
    };
  };
}
