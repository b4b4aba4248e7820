import type { Database } from '@tidings/db';
import { TidingsError, parseRef, topics, noSuchRoom } from '@tidings/protocol';
import type { Logger } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import type { KeyedSerializer } from './serializer.js';

/** What every handler of the likes service works with; built once by createLikes. */
export interface LikesContext {
  db: Database;
  client: MqttClient;
  logger: Logger;
  now: () => number;
  /** Per message id: transaction and publish, one at a time. */
  serial: KeyedSerializer;
}

/** The key of the direct conversation between two users: both usernames, sorted, joined by `:`. */
export function dmKeyOf(a: string, b: string): string {
  return [a, b].sort().join(':');
}

/** Where a conversation's live events go, and the `c` each copy carries (inbox events only). */
export interface Delivery {
  topic: string;
  c?: string;
}

export interface Target {
  conversationId: string;
  /** The highest sequence number given in the conversation. */
  lastSeq: number;
  /** The caller's user id; absent when only reading a public room the caller is not in. */
  callerId: string | undefined;
  deliveries: Delivery[];
}

/**
 * The conversation a reaction names, checked for the caller:
 * - a room: it must exist (NOT_FOUND) and, to react, the caller must be a member (FORBIDDEN).
 *   Public rooms are readable by everyone (so `read` — who reacted — needs no membership), but
 *   reacting is taking part, like sending. A private room the caller is not in answers exactly as
 *   a room that does not exist (NOT_FOUND): its existence is not told to a non-member;
 * - `@bob`: the caller's own direct conversation with bob (so a participant by construction);
 *   no such conversation (or no such user) → NOT_FOUND.
 */
export async function resolveTarget(db: Database, caller: string, ref: string, read = false): Promise<Target> {
  const prisma = db.prisma;
  const parsed = parseRef(ref);
  if (parsed.kind === 'room') {
    const room = await prisma.conversation.findUnique({ where: { name: parsed.name }, select: { id: true, kind: true, lastSeq: true, private: true } });
    if (!room || room.kind !== 'room') throw noSuchRoom(parsed.name);
    const member = await prisma.membership.findFirst({
      where: { conversationId: room.id, user: { username: caller } },
      select: { userId: true },
    });
    if (!member && room.private) throw noSuchRoom(parsed.name);
    if (!member && !read) throw new TidingsError('FORBIDDEN', `join ${parsed.name} to react to its messages`);
    return { conversationId: room.id, lastSeq: room.lastSeq, callerId: member?.userId, deliveries: [{ topic: topics.room(parsed.name) }] };
  }
  const [dm, me] = await Promise.all([
    prisma.conversation.findUnique({ where: { dmKey: dmKeyOf(caller, parsed.username) }, select: { id: true, kind: true, lastSeq: true } }),
    prisma.user.findUnique({ where: { username: caller }, select: { id: true } }),
  ]);
  if (!me) throw new TidingsError('UNAUTHORIZED', 'this account no longer exists');
  if (!dm || dm.kind !== 'dm') throw new TidingsError('NOT_FOUND', `there is no conversation with ${parsed.username}`);
  const deliveries: Delivery[] = [{ topic: topics.inbox(caller), c: `@${parsed.username}` }];
  if (parsed.username !== caller) deliveries.push({ topic: topics.inbox(parsed.username), c: `@${caller}` });
  return { conversationId: dm.id, lastSeq: dm.lastSeq, callerId: me.id, deliveries };
}
