import type { Database } from '@tidings/db';
import { TidingsError, parseRef, type Message } from '@tidings/protocol';
import type { Logger } from '@tidings/service-kit';

/** What every handler of the chat-query service works with; built once by createChatQuery. */
export interface QueryContext {
  db: Database;
  logger: Logger;
}

/** The key of the direct conversation between two users: both usernames, sorted, joined by `:`. */
export function dmKeyOf(a: string, b: string): string {
  return [a, b].sort().join(':');
}

/** The other participant of a direct conversation, seen from `me` (yourself, for a note-to-self). */
export function otherOf(dmKey: string, me: string): string {
  const [a = '', b = ''] = dmKey.split(':');
  return a === me ? b : a;
}

export interface ConversationHead {
  id: string;
  lastSeq: number;
}

/**
 * Finds the conversation a ref names, relative to the caller: a room by name, or `@bob` — the
 * direct conversation between the caller and bob, so nobody can name someone else's.
 * Unknown room or unknown user → NOT_FOUND. A direct conversation with an existing user that
 * has no message yet → null (an empty history, not an error).
 */
export async function findConversation(db: Database, caller: string, ref: string): Promise<ConversationHead | null> {
  const parsed = parseRef(ref);
  const prisma = db.prisma;
  if (parsed.kind === 'room') {
    const room = await prisma.conversation.findUnique({ where: { name: parsed.name }, select: { id: true, kind: true, lastSeq: true } });
    if (!room || room.kind !== 'room') throw new TidingsError('NOT_FOUND', `there is no room ${parsed.name}`);
    return { id: room.id, lastSeq: room.lastSeq };
  }
  const dm = await prisma.conversation.findUnique({
    where: { dmKey: dmKeyOf(caller, parsed.username) },
    select: { id: true, lastSeq: true },
  });
  if (dm) return dm;
  const other = await prisma.user.findUnique({ where: { username: parsed.username }, select: { id: true } });
  if (!other) throw new TidingsError('NOT_FOUND', `there is no user ${parsed.username}`);
  return null;
}

/** The columns a message needs on the wire. */
export const MESSAGE_SELECT = {
  id: true,
  seq: true,
  text: true,
  createdAt: true,
  editedAt: true,
  deletedAt: true,
  likeCount: true,
  sender: { select: { username: true } },
} as const;

export interface MessageRow {
  id: string;
  seq: number;
  text: string;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  likeCount: number;
  sender: { username: string };
}

/**
 * A stored message as the wire carries it: like count `lk` only when non-zero, `me` only when
 * the caller likes it (pass undefined to leave both out), and a deleted message as a tombstone
 * `{s, u, x: '', at, del: true}` (no text, no edit time, no likes).
 */
export function toWire(row: MessageRow, likedByCaller?: boolean): Message {
  const base = { s: row.seq, u: row.sender.username, at: row.createdAt.getTime() };
  if (row.deletedAt) return { ...base, x: '', del: true };
  const message: Message = { ...base, x: row.text };
  if (row.editedAt) message.ed = row.editedAt.getTime();
  if (likedByCaller !== undefined) {
    if (row.likeCount > 0) message.lk = row.likeCount;
    if (likedByCaller) message.me = true;
  }
  return message;
}

/** Orders strings by UTF-16 code units, the same on every database. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
