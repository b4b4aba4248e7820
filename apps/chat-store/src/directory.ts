import type { Db } from '@tidings/db';
import { ROLES, type Role } from '@tidings/protocol';
import { BoundedMap } from './bounded-map.js';
import { isUniqueViolation } from './errors.js';

/** A user as chat-store needs one: the id rows point at and the name topics carry. */
export interface UserRef {
  id: string;
  username: string;
}

/** What is needed to name a conversation and publish to it; it never changes once made. */
export interface ConversationInfo {
  id: string;
  kind: 'room' | 'dm';
  /** The room's name; null for a direct conversation. */
  name: string | null;
  /** The two participants of a direct conversation, sorted; null for a room. */
  participants: readonly [string, string] | null;
  /** A private room (invite only, fixed at creation); false for a direct conversation. */
  private: boolean;
}

/** The key of the direct conversation between two users: both usernames, sorted, joined by ':'. */
export function dmKeyOf(a: string, b: string): string {
  return [a, b].sort().join(':');
}

/** The id chat-store gives a room it creates (the default room `general` is `room_general`). */
export function roomIdOf(name: string): string {
  return `room_${name}`;
}

/** The id chat-store gives a direct conversation: deterministic, so two racing creations collide. */
export function dmIdOf(dmKey: string): string {
  return `dm_${dmKey}`;
}

const conversationSelect = { id: true, kind: true, name: true, dmKey: true, private: true } as const;

function infoOf(row: { id: string; kind: string; name: string | null; dmKey: string | null; private: boolean }): ConversationInfo {
  if (row.kind === 'dm' && row.dmKey) {
    const [a = '', b = ''] = row.dmKey.split(':');
    return { id: row.id, kind: 'dm', name: null, participants: [a, b], private: false };
  }
  return { id: row.id, kind: 'room', name: row.name, participants: null, private: row.private };
}

/**
 * Users, conversations and room memberships, cached. Only chat-store creates conversations and
 * memberships, so what it caches stays true while it runs; misses are never cached (a room or a
 * user may appear later). Every cache is bounded.
 */
export class Directory {
  readonly #prisma: Db;
  readonly #users: BoundedMap<string, UserRef>;
  readonly #rooms: BoundedMap<string, ConversationInfo>;
  readonly #dms: BoundedMap<string, ConversationInfo>;
  /** `<conversationId> <userId>` of room memberships known to exist. */
  readonly #members: BoundedMap<string, true>;
  /** `<conversationId> <userId>` → end of a mute in ms (0: not muted). Only chat-store writes mutes. */
  readonly #mutes: BoundedMap<string, number>;
  /** Direct conversations being created, so concurrent first sends make one. */
  readonly #creating = new Map<string, Promise<ConversationInfo>>();

  constructor(prisma: Db, cacheSize: number) {
    this.#prisma = prisma;
    this.#users = new BoundedMap(cacheSize);
    this.#rooms = new BoundedMap(cacheSize);
    this.#dms = new BoundedMap(cacheSize);
    this.#members = new BoundedMap(cacheSize);
    this.#mutes = new BoundedMap(cacheSize);
  }

  async user(username: string): Promise<UserRef | null> {
    const cached = this.#users.get(username);
    if (cached) return cached;
    const row = await this.#prisma.user.findUnique({ where: { username }, select: { id: true, username: true } });
    if (row) this.#users.set(username, row);
    return row;
  }

  async room(name: string): Promise<ConversationInfo | null> {
    const cached = this.#rooms.get(name);
    if (cached) return cached;
    const row = await this.#prisma.conversation.findUnique({ where: { name }, select: conversationSelect });
    if (!row || row.kind !== 'room') return null;
    const info = infoOf(row);
    this.#rooms.set(name, info);
    return info;
  }

  rememberRoom(info: ConversationInfo): void {
    if (info.name !== null) this.#rooms.set(info.name, info);
  }

  /** The direct conversation between two users, if it exists. */
  async dm(a: string, b: string): Promise<ConversationInfo | null> {
    const dmKey = dmKeyOf(a, b);
    const cached = this.#dms.get(dmKey);
    if (cached) return cached;
    const row = await this.#prisma.conversation.findUnique({ where: { dmKey }, select: conversationSelect });
    if (!row) return null;
    const info = infoOf(row);
    this.#dms.set(dmKey, info);
    return info;
  }

  /**
   * The direct conversation between two users, created with both memberships on first use.
   * Race-safe: concurrent callers in this process share one creation, and a creation that loses
   * to another (unique dmKey) reads the winner's.
   */
  async ensureDm(a: UserRef, b: UserRef, createdAt: Date): Promise<ConversationInfo> {
    const existing = await this.dm(a.username, b.username);
    if (existing) return existing;
    const dmKey = dmKeyOf(a.username, b.username);
    let creating = this.#creating.get(dmKey);
    if (!creating) {
      creating = this.#createDm(dmKey, a, b, createdAt).finally(() => this.#creating.delete(dmKey));
      this.#creating.set(dmKey, creating);
    }
    return creating;
  }

  async #createDm(dmKey: string, a: UserRef, b: UserRef, createdAt: Date): Promise<ConversationInfo> {
    try {
      const row = await this.#prisma.conversation.create({
        data: {
          id: dmIdOf(dmKey),
          kind: 'dm',
          dmKey,
          createdAt,
          createdById: a.id,
          members: {
            create: [
              { userId: a.id, joinedAt: createdAt },
              { userId: b.id, joinedAt: createdAt },
            ],
          },
        },
        select: conversationSelect,
      });
      const info = infoOf(row);
      this.#dms.set(dmKey, info);
      return info;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const winner = await this.dm(a.username, b.username);
      if (!winner) throw err;
      return winner;
    }
  }

  /** Is the user a member of the room? (Direct conversations: are they one of its two?) */
  async isMember(conv: ConversationInfo, user: UserRef): Promise<boolean> {
    if (conv.participants) return conv.participants.includes(user.username);
    const key = `${conv.id} ${user.id}`;
    if (this.#members.get(key)) return true;
    const row = await this.#prisma.membership.findUnique({
      where: { conversationId_userId: { conversationId: conv.id, userId: user.id } },
      select: { userId: true },
    });
    if (row) this.#members.set(key, true);
    return row !== null;
  }

  rememberMember(conv: ConversationInfo, user: UserRef): void {
    this.#members.set(`${conv.id} ${user.id}`, true);
  }

  forgetMember(conv: ConversationInfo, user: UserRef): void {
    this.#members.delete(`${conv.id} ${user.id}`);
  }

  /** The user's role in a room, or null when not a member. Read from the database (room actions are rare). */
  async role(conv: ConversationInfo, user: UserRef): Promise<Role | null> {
    const row = await this.#prisma.membership.findUnique({
      where: { conversationId_userId: { conversationId: conv.id, userId: user.id } },
      select: { role: true },
    });
    if (!row) return null;
    return (ROLES as readonly string[]).includes(row.role) ? (row.role as Role) : 'member';
  }

  /** Is the user banned from the room? */
  async banned(conv: ConversationInfo, user: UserRef): Promise<boolean> {
    const row = await this.#prisma.roomSanction.findUnique({
      where: { conversationId_userId_kind: { conversationId: conv.id, userId: user.id, kind: 'ban' } },
      select: { kind: true },
    });
    return row !== null;
  }

  /**
   * When the user's mute in a room ends (ms), or 0 when they are not muted. Cached, misses too:
   * chat-store is the only writer of mutes and updates the cache with every change.
   */
  async mutedUntil(conv: ConversationInfo, user: UserRef): Promise<number> {
    if (conv.participants) return 0;
    const key = `${conv.id} ${user.id}`;
    const cached = this.#mutes.get(key);
    if (cached !== undefined) return cached;
    const row = await this.#prisma.roomSanction.findUnique({
      where: { conversationId_userId_kind: { conversationId: conv.id, userId: user.id, kind: 'mute' } },
      select: { until: true },
    });
    const until = row?.until?.getTime() ?? 0;
    this.#mutes.set(key, until);
    return until;
  }

  rememberMute(conv: ConversationInfo, user: UserRef, until: number): void {
    this.#mutes.set(`${conv.id} ${user.id}`, until);
  }
}
