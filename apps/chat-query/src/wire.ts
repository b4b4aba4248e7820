import { RoomEvent, type Message } from '@tidings/protocol';

/** Told about a stored room event that is not a valid RoomEvent (its row is sent without `ev`). */
export type BadEventHandler = (seq: number, problem: string) => void;

/**
 * A stored message as the wire carries it (times in ms since the epoch): like count `lk` only
 * when non-zero and `me` only when the caller likes it — both left out when `likedByCaller` is
 * undefined — and a deleted message as a tombstone `{s, u, x: '', at, del: true}` (no text, no
 * edit time, no likes), with `rb` when a moderator removed it. A room event (Message.event, JSON)
 * is `{s, u, x: '', at, ev}`: never liked or edited. A stored event that does not parse as a
 * RoomEvent is reported to `onBadEvent` and the row goes out as a plain message — one bad row
 * never fails a page. Positional, so a page can be built straight from SQLite's row arrays.
 */
export function wireMessage(
  seq: number,
  username: string,
  text: string,
  createdAt: number,
  editedAt: number | null,
  deletedAt: number | null,
  likeCount: number,
  likedByCaller: boolean | undefined,
  event: string | null = null,
  removedBy: string | null = null,
  onBadEvent?: BadEventHandler,
): Message {
  if (deletedAt !== null) {
    const tombstone: Message = { s: seq, u: username, x: '', at: createdAt, del: true };
    if (removedBy !== null) tombstone.rb = removedBy;
    return tombstone;
  }
  if (event !== null) {
    const ev = roomEventOf(event);
    if (typeof ev !== 'string') return { s: seq, u: username, x: '', at: createdAt, ev };
    onBadEvent?.(seq, ev);
  }
  const message: Message = { s: seq, u: username, x: text, at: createdAt };
  if (editedAt !== null) message.ed = editedAt;
  if (likedByCaller !== undefined) {
    if (likeCount > 0) message.lk = likeCount;
    if (likedByCaller) message.me = true;
  }
  return message;
}

/**
 * A DateTime column as ms since the epoch. Prisma stores SQLite DateTimes as ISO 8601 text with
 * an offset (`2026-01-02T03:04:05.678+00:00`), or epoch ms with `timestampFormat: 'unixepoch-ms'`;
 * SQLite's own CURRENT_TIMESTAMP (`2026-01-02 03:04:05`) has no zone and is UTC. PostgreSQL
 * through Prisma gives a Date.
 */
export function msOf(value: Date | string | number): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return value.getTime();
  if (value.length === 19 && value.charCodeAt(10) === 32 /* ' ' */) return Date.parse(`${value.slice(0, 10)}T${value.slice(11)}Z`);
  return Date.parse(value);
}

/** A stored room event (Message.event) as the wire's `ev`, or what is wrong with it. */
export function roomEventOf(json: string): RoomEvent | string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'not JSON';
  }
  const parsed = RoomEvent.safeParse(value);
  return parsed.success ? parsed.data : `not a room event: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
}
