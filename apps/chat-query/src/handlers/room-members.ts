import { TidingsError, roleRank, type Role } from '@tidings/protocol';
import { callerUsername, type Handler } from '@tidings/service-kit';
import { byCodeUnits, type QueryContext } from '../context.js';
import { listPage } from '../paging.js';
import { callerRoom, roleOf } from './room-info.js';
import { BY_NAME } from './room-list.js';

/** A member's place in the list: higher roles first, then by username (UTF-16 code units). */
interface Place {
  rank: number;
  u: string;
}

const BY_ROLE = {
  compare: (a: Place, b: Place) => b.rank - a.rank || byCodeUnits(a.u, b.u),
  cursorOf: (p: Place) => `${p.rank}.${p.u}`,
  parse: (cursor: string): Place | undefined => {
    const m = /^([1-3])\.(.+)$/.exec(cursor);
    return m ? { rank: Number(m[1]), u: m[2]! } : undefined;
  },
};

/**
 * room.members (user): a page of a room's members — the owner, then the moderators, then the
 * members, each group by username — with their role and the end of their mute while it is on.
 * The cursor `next` is `<rank>.<username>` of the page's last member (rank 3 owner, 2 mod,
 * 1 member): someone whose role changes between two pages may be seen twice or not at all.
 *
 * `banned: true` lists the room's bans instead, by username, with who banned them and when; only
 * its moderators and owner may see it (FORBIDDEN otherwise; `next` is the last username).
 *
 * A private room is members only (NOT_FOUND, as for a room that does not exist). The list is read
 * whole and paged here (a room has at most ROOM_MEMBERS_MAX members; bans at most one per user),
 * like room.list and user.list: by UTF-16 code units, which SQL collations do not all share.
 */
export function roomMembersHandler(q: QueryContext): Handler<'room.members'> {
  return async (request, ctx) => {
    const caller = callerUsername(ctx);
    const room = await callerRoom(q, request.name, caller);
    const prisma = q.db.prisma;

    if (request.banned) {
      if (roleRank(room.role) < roleRank('mod')) {
        throw new TidingsError('FORBIDDEN', `only the moderators and the owner of ${room.name} see its bans`);
      }
      const bans = await prisma.roomSanction.findMany({
        where: { conversationId: room.id, kind: 'ban' },
        select: { byId: true, at: true, user: { select: { username: true } } },
      });
      const byIds = [...new Set(bans.map((b) => b.byId))];
      const names = new Map(
        byIds.length === 0
          ? []
          : (await prisma.user.findMany({ where: { id: { in: byIds } }, select: { id: true, username: true } })).map((u) => [u.id, u.username] as const),
      );
      const all = bans
        .map((b) => {
          const by = names.get(b.byId);
          return { u: b.user.username, ...(by !== undefined ? { by } : {}), at: b.at.getTime() };
        })
        .sort((a, b) => byCodeUnits(a.u, b.u));
      const { items, ...page } = listPage(all, request, { ...BY_NAME, keyOf: (b) => b.u });
      return { members: items, ...page };
    }

    const [members, mutes] = await Promise.all([
      prisma.membership.findMany({ where: { conversationId: room.id }, select: { userId: true, role: true, user: { select: { username: true } } } }),
      prisma.roomSanction.findMany({
        where: { conversationId: room.id, kind: 'mute', until: { gt: new Date(q.now()) } },
        select: { userId: true, until: true },
      }),
    ]);
    const mutedUntil = new Map(mutes.map((m) => [m.userId, m.until!.getTime()]));
    const all = members.map((m) => {
      const role: Role = roleOf(m.role);
      const until = mutedUntil.get(m.userId);
      return { u: m.user.username, role, ...(until !== undefined ? { mutedUntil: until } : {}) };
    });
    const keyOf = (m: (typeof all)[number]): Place => ({ rank: roleRank(m.role), u: m.u });
    all.sort((a, b) => BY_ROLE.compare(keyOf(a), keyOf(b)));
    const { items, ...page } = listPage(all, request, { ...BY_ROLE, keyOf });
    return { members: items, ...page };
  };
}
