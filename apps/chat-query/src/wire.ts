import { REACTIONS, RoomEvent, type Message, type ReactionCounts } from '@tidings/protocol';

/** Told about a stored room event that is not a valid RoomEvent (its row is sent without `ev`). */
export type BadEventHandler = (seq: number, problem: string) => void;

/**
 * A stored message as the wire carries it (times in ms since the epoch): its reactions `rx` (from
 * Message.reactions) only when it has some and `my` only when the caller gave some — both left
 * out when `mine` is undefined — and a deleted message as a tombstone `{s, u, x: '', at, del: true}`
 * (no text, no edit time, no reactions), with `rb` when a moderator removed it. A room event
 * (Message.event, JSON) is `{s, u, x: '', at, ev}`: never reacted to or edited. A stored event that
 * does not parse as a RoomEvent is reported to `onBadEvent` and the row goes out as a plain
 * message — one bad row never fails a page. Positional, so a page can be built straight from
 * SQLite's row arrays. `mine` is the caller's reactions as a bit mask: bit i is REACTIONS[i]
 * (the page's SQL computes it, see {@link myMaskSql}).
 */
export function wireMessage(
  seq: number,
  username: string,
  text: string,
  createdAt: number,
  editedAt: number | null,
  deletedAt: number | null,
  reactions: string | null,
  mine: number | undefined,
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
  if (mine !== undefined && reactions !== null) {
    const rx = reactionsOf(reactions);
    if (rx) message.rx = rx;
    if (mine !== 0) message.my = REACTIONS.filter((_, i) => (mine & (1 << i)) !== 0);
  }
  return message;
}

/** A stored summary (Message.reactions) as the wire's `rx`: only emoji of the set with a positive count; null when none. */
export function reactionsOf(json: string): ReactionCounts | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const counts = value as Record<string, unknown>;
  const rx: ReactionCounts = {};
  let any = false;
  for (const r of REACTIONS) {
    const n = counts[r];
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) {
      rx[r] = n;
      any = true;
    }
  }
  return any ? rx : null;
}

/**
 * SQL (both databases) for the caller's reactions to message `m` as a bit mask, bit i for
 * REACTIONS[i]; `caller` is an SQL expression for the caller's user id. 0 when none.
 */
export function myMaskSql(caller: string): string {
  const bits = REACTIONS.map((r, i) => `WHEN '${r}' THEN ${1 << i}`).join(' ');
  return `COALESCE((SELECT SUM(CASE r."emoji" ${bits} ELSE 0 END) FROM "Reaction" r WHERE r."messageId" = m."id" AND r."userId" = ${caller}), 0)`;
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
