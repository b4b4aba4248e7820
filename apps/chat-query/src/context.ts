import type { Database } from '@tidings/db';
import { TidingsError, parseRef, type Message, noSuchRoom } from '@tidings/protocol';
import type { Logger } from '@tidings/service-kit';
import type { HistoryReads } from './reads.js';
import { wireMessage, type BadEventHandler } from './wire.js';

/** What every handler of the chat-query service works with; built by createChatQuery when it starts. */
export interface QueryContext {
  db: Database;
  /** The history reads: prepared statements on SQLite, Prisma on PostgreSQL (reads.ts). */
  reads: HistoryReads;
  logger: Logger;
  /** The clock (ms since the epoch): whether a mute is still on. */
  now: () => number;
  /** Logs a stored room event that is not a valid RoomEvent (its row goes out without `ev`). */
  onBadEvent: BadEventHandler;
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
  /** A room the caller is known to be a member of (checked for a private room); undefined: not asked. */
  member?: true;
}

/**
 * The one answer for a room that does not exist and for a private room the caller is not in:
 * nothing tells a non-member that a private room exists (the protocol's, shared by every service).
 */
export { noSuchRoom };

/**
 * Finds the conversation a ref names, relative to the caller: a room by name, or `@bob` — the
 * direct conversation between the caller and bob, so nobody can name someone else's.
 * Unknown room or unknown user → NOT_FOUND, and so is a private room the caller is not a member
 * of (the same answer, word for word: noSuchRoom). A direct conversation with an existing user
 * that has no message yet → null (an empty history, not an error).
 */
export async function findConversation(reads: HistoryReads, caller: string, ref: string): Promise<ConversationHead | null> {
  const parsed = parseRef(ref);
  if (parsed.kind === 'room') {
    const room = await reads.conversationByName(parsed.name);
    if (!room || room.kind !== 'room') throw noSuchRoom(parsed.name);
    if (!room.private) return { id: room.id, lastSeq: room.lastSeq };
    if (!(await reads.isMember(room.id, caller))) throw noSuchRoom(parsed.name);
    return { id: room.id, lastSeq: room.lastSeq, member: true };
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
  reactions: true,
  event: true,
  removedById: true,
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
  /** Message.reactions: the wire's `rx` as JSON, or null. */
  reactions: string | null;
  /** A room event's JSON (Message.event), or null for a message. */
  event: string | null;
  /** The username of the moderator who removed it, or null. */
  removedBy: string | null;
}

/** A message as Prisma returns it with {@link MESSAGE_SELECT}, as a {@link MessageRow}. */
export function messageRowOf(
  row: {
    seq: number;
    text: string;
    createdAt: Date;
    editedAt: Date | null;
    deletedAt: Date | null;
    reactions: string | null;
    event: string | null;
    removedById: string | null;
    sender: { username: string };
  },
  /** Usernames by id, for removedById (a user deleted since: left out). */
  usernames: ReadonlyMap<string, string>,
): MessageRow {
  return {
    seq: row.seq,
    username: row.sender.username,
    text: row.text,
    createdAt: row.createdAt.getTime(),
    editedAt: row.editedAt === null ? null : row.editedAt.getTime(),
    deletedAt: row.deletedAt === null ? null : row.deletedAt.getTime(),
    reactions: row.reactions,
    event: row.event,
    removedBy: row.removedById === null ? null : (usernames.get(row.removedById) ?? null),
  };
}

/** A stored message as the wire carries it; `mine` (the caller's reactions, a bit mask) undefined leaves the reaction fields out (wire.ts). */
export function toWire(row: MessageRow, mine?: number, onBadEvent?: BadEventHandler): Message {
  return wireMessage(row.seq, row.username, row.text, row.createdAt, row.editedAt, row.deletedAt, row.reactions, mine, row.event, row.removedBy, onBadEvent);
}

/** Orders strings by UTF-16 code units, the same on every database. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
