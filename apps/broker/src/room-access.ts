import type { Database } from '@tidings/db';
import { ROOM_MEMBERS_MAX, type RoomAccessEvent } from '@tidings/protocol';

/** Who may read a room's live topic: the ACL asks this and nothing else about rooms. */
export interface RoomReaders {
  /** May this user read this room? True for every room not known to be private. */
  mayRead(room: string, username: string): boolean;
}

/** Every room public: for an ACL check that has no private rooms to know about (unit tests, tools). */
export const EVERY_ROOM_PUBLIC: RoomReaders = { mayRead: () => true };

/**
 * The private rooms and their members, in memory, so the ACL decides a subscribe and a delivery
 * on a room topic with one map lookup and no database read.
 *
 * Kept by the broker from two sources: the database once at start ({@link loadPrivateRooms}),
 * then chat-store's `t/svc/room-access` events (RoomAccessEvent), one per committed change of a
 * private room's members. A room named by an event is private (only private rooms get events),
 * and privacy is fixed at creation, so a room, once here, stays here — also when its last member
 * leaves: dropping it would make it public.
 *
 * Memory: one entry per private room plus one per membership of a private room — O(private
 * memberships), about 70 bytes each (docs/running-at-scale.md). chat-store keeps a room to
 * ROOM_MEMBERS_MAX (10,000) members; the map holds no more than that per room either, whatever
 * it is told: a member past the cap is not added (fails closed: that user cannot read the room)
 * and `apply` says so.
 */
export class RoomAccess implements RoomReaders {
  readonly #members = new Map<string, Set<string>>();
  readonly #maxMembers: number;
  #memberships = 0;

  constructor(maxMembersPerRoom = ROOM_MEMBERS_MAX) {
    this.#maxMembers = maxMembersPerRoom;
  }

  mayRead(room: string, username: string): boolean {
    const members = this.#members.get(room);
    return members === undefined || members.has(username);
  }

  isPrivate(room: string): boolean {
    return this.#members.has(room);
  }

  /** Applies one event: `changed` when the map changed, `full` for a member refused at the cap. */
  apply(event: RoomAccessEvent): 'changed' | 'unchanged' | 'full' {
    let members = this.#members.get(event.r);
    const known = members !== undefined;
    if (!members) this.#members.set(event.r, (members = new Set()));
    if (event.on === members.has(event.u)) return known ? 'unchanged' : 'changed';
    if (event.on && members.size >= this.#maxMembers) return 'full';
    if (event.on) members.add(event.u);
    else members.delete(event.u);
    this.#memberships += event.on ? 1 : -1;
    return 'changed';
  }

  /** Adds the rows of the start-up load: a room with `username` null is a private room with no member. */
  load(rows: Iterable<{ room: string; username: string | null }>): void {
    for (const { room, username } of rows) {
      let members = this.#members.get(room);
      if (!members) this.#members.set(room, (members = new Set()));
      if (username !== null && !members.has(username) && members.size < this.#maxMembers) {
        members.add(username);
        this.#memberships++;
      }
    }
  }

  /** Private rooms and memberships held (for logs and tests). */
  size(): { rooms: number; memberships: number } {
    return { rooms: this.#members.size, memberships: this.#memberships };
  }
}

/**
 * Fills `map` from the database without losing a change: subscribes to the events first, then
 * loads, then applies the events that arrived during the load, in order — an event committed
 * during the read is in the rows or among these (or both: applied after the rows it ends where
 * the database ended), never undone by the rows. From then on `apply` gets each event at once.
 * Returns how many events came during the load.
 */
export async function followRoomAccess(options: {
  map: RoomAccess;
  /** Starts the subscription; resolves once it is in place. */
  subscribe: (deliver: (event: RoomAccessEvent) => void) => Promise<void>;
  load: () => Promise<Iterable<{ room: string; username: string | null }>>;
  /** Applies one event to `map` (and does what else a change needs). */
  apply: (event: RoomAccessEvent) => void;
}): Promise<number> {
  let pending: RoomAccessEvent[] | undefined = [];
  await options.subscribe((event) => {
    if (pending) pending.push(event);
    else options.apply(event);
  });
  options.map.load(await options.load());
  const during = pending;
  pending = undefined;
  for (const event of during) options.apply(event);
  return during.length;
}

/**
 * Every private room and its members' usernames, in one statement (a LEFT JOIN, so a private
 * room nobody is in comes back too, with a null username).
 */
export async function loadPrivateRooms(db: Database): Promise<{ room: string; username: string | null }[]> {
  return db.prisma.$queryRaw<{ room: string; username: string | null }[]>`
    SELECT c."name" AS "room", u."username" AS "username"
    FROM "Conversation" c
    LEFT JOIN "Membership" m ON m."conversationId" = c."id"
    LEFT JOIN "User" u ON u."id" = m."userId"
    WHERE c."kind" = 'room' AND c."private" AND c."name" IS NOT NULL`;
}
