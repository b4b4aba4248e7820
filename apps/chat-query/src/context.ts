import type { Database } from '@tidings/db';
import { TidingsError, parseRef, type Message } from '@tidings/protocol';
import type { Logger } from '@tidings/service-kit';
import type { HistoryReads } from './reads.js';
import { wireMessage } from './wire.js';

/** What every handler of the chat-query service works with; built by createChatQuery when it starts. */
export interface QueryContext {
  db: Database;
  /** The history reads: prepared statements on SQLite, Prisma on PostgreSQL (reads.ts). */
  reads: HistoryReads;
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
export async function findConversation(reads: HistoryReads, caller: string, ref: string): Promise<ConversationHead | null> {
  const parsed = parseRef(ref);
  if (parsed.kind === 'room') {
    const room = await reads.conversationByName(parsed.name);
    if (!room || room.kind !== 'room') throw new TidingsError('NOT_FOUND', `there is no room ${parsed.name}`);
    return { id: room.id, lastSeq: room.lastSeq };
  }
  const dm = await reads.conversationByDmKey(dmKeyOf(caller, parsed.username));
  if (dm) return { id: dm.id, lastSeq: dm.lastSeq };
  if (!(await reads.userExists(parsed.username))) throw new TidingsError('NOT_FOUND', `there is no user ${parsed.username}`);
  return null;
}

/** The columns a message needs on the wire, through Prisma. */
export const MESSAGE_SELECT = {
  seq: true,
  text: true,
  createdAt: true,
  editedAt: true,
  deletedAt: true,
  likeCount: true,
  sender: { select: { username: true } },
} as const;

/** A stored message as the wire needs it (times in ms since the epoch). */
export interface MessageRow {
  seq: number;
  username: string;
  text: string;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  likeCount: number;
}

/** A message as Prisma returns it with {@link MESSAGE_SELECT}, as a {@link MessageRow}. */
export function messageRowOf(row: {
  seq: number;
  text: string;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  likeCount: number;
  sender: { username: string };
}): MessageRow {
  return {
    seq: row.seq,
    username: row.sender.username,
    text: row.text,
    createdAt: row.createdAt.getTime(),
    editedAt: row.editedAt === null ? null : row.editedAt.getTime(),
    deletedAt: row.deletedAt === null ? null : row.deletedAt.getTime(),
    likeCount: row.likeCount,
  };
}

/** A stored message as the wire carries it; `likedByCaller` undefined leaves the like fields out (wire.ts). */
export function toWire(row: MessageRow, likedByCaller?: boolean): Message {
  return wireMessage(row.seq, row.username, row.text, row.createdAt, row.editedAt, row.deletedAt, row.likeCount, likedByCaller);
}

/** Orders strings by UTF-16 code units, the same on every database. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
