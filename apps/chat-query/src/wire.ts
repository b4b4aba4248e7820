import type { Message } from '@tidings/protocol';

/**
 * A stored message as the wire carries it (times in ms since the epoch): like count `lk` only
 * when non-zero and `me` only when the caller likes it — both left out when `likedByCaller` is
 * undefined — and a deleted message as a tombstone `{s, u, x: '', at, del: true}` (no text, no
 * edit time, no likes). Positional, so a page can be built straight from SQLite's row arrays.
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
): Message {
  if (deletedAt !== null) return { s: seq, u: username, x: '', at: createdAt, del: true };
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
