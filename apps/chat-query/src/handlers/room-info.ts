import { ROLES, type Role } from '@tidings/protocol';
import { callerUsername, type Handler } from '@tidings/service-kit';
import { noSuchRoom, type QueryContext } from '../context.js';

/** A room as room.info and room.members see it, from the caller's side. */
export interface CallerRoom {
  id: string;
  name: string;
  private: boolean;
  topic: string | null;
  lastSeq: number;
  members: number;
  owner: string | undefined;
  /** The caller's role; undefined: not a member. */
  role: Role | undefined;
  /** The end of the caller's mute (ms), when it is still on. */
  mutedUntil: number | undefined;
  banned: boolean;
}

/** A stored role; anything else (never written by chat-store) counts as a plain member. */
export function roleOf(stored: string): Role {
  return (ROLES as readonly string[]).includes(stored) ? (stored as Role) : 'member';
}

/**
 * The room `name` for `caller`, in one query: its owner and the caller's membership (at most two
 * Membership rows), the caller's sanctions and the member count. A room that does not exist, and
 * a private room the caller is not a member of (a banned one included), is NOT_FOUND with the same
 * words (noSuchRoom).
 */
export async function callerRoom(q: QueryContext, name: string, caller: string): Promise<CallerRoom> {
  const room = await q.db.prisma.conversation.findUnique({
    where: { name },
    select: {
      id: true,
      kind: true,
      private: true,
      topic: true,
      lastSeq: true,
      _count: { select: { members: true } },
      members: {
        where: { OR: [{ role: 'owner' }, { user: { username: caller } }] },
        select: { role: true, user: { select: { username: true } } },
      },
      sanctions: { where: { user: { username: caller } }, select: { kind: true, until: true } },
    },
  });
  if (!room || room.kind !== 'room') throw noSuchRoom(name);
  const mine = room.members.find((m) => m.user.username === caller);
  if (room.private && !mine) throw noSuchRoom(name);
  const now = q.now();
  const mute = room.sanctions.find((s) => s.kind === 'mute' && s.until !== null && s.until.getTime() > now);
  return {
    id: room.id,
    name,
    private: room.private,
    topic: room.topic,
    lastSeq: room.lastSeq,
    members: room._count.members,
    owner: room.members.find((m) => m.role === 'owner')?.user.username,
    role: mine ? roleOf(mine.role) : undefined,
    mutedUntil: mute?.until?.getTime(),
    banned: room.sanctions.some((s) => s.kind === 'ban'),
  };
}

/**
 * room.info (user): one room — private or not, topic, owner (absent for a room nobody owns, such
 * as `general`), member count, last sequence number — and the caller's place in it: their role,
 * the end of their mute while it is on, `banned: true` when banned. A private room is members
 * only: anyone else, banned users included, gets the NOT_FOUND of a room that does not exist.
 */
export function roomInfoHandler(q: QueryContext): Handler<'room.info'> {
  return async (request, ctx) => {
    const room = await callerRoom(q, request.name, callerUsername(ctx));
    return {
      name: room.name,
      private: room.private,
      ...(room.topic ? { topic: room.topic } : {}),
      ...(room.owner !== undefined ? { owner: room.owner } : {}),
      members: room.members,
      lastSeq: room.lastSeq,
      ...(room.role !== undefined ? { role: room.role } : {}),
      ...(room.mutedUntil !== undefined ? { mutedUntil: room.mutedUntil } : {}),
      ...(room.banned ? { banned: true as const } : {}),
    };
  };
}
