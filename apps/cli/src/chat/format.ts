import { roomEventWords, type Message, type RoomEvent } from '@tidings/protocol';

/**
 * How chat data looks in a terminal. Pure functions of their input and of `Clock` (the current
 * time and the time zone), so tests format fixed data deterministically.
 */

export interface Clock {
  /** ms since the epoch: decides whether a time is "today" (hh:mm) or not (date and time). */
  now: number;
  /** IANA time zone; default the process's own (TZ). */
  timeZone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(ms: number, timeZone: string | undefined): { date: string; time: string } {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      ...(timeZone ? { timeZone } : {}),
    });
    formatters.set(key, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** `14:03` today, `2026-11-03 14:03` on another day (in the clock's time zone). */
export function formatWhen(ms: number, clock: Clock): string {
  const when = parts(ms, clock.timeZone);
  const today = parts(clock.now, clock.timeZone);
  return when.date === today.date ? when.time : `${when.date} ${when.time}`;
}

// C0 and C1 control characters (but newline), DEL, and the bidirectional overrides and isolates
// that could make a line read differently from what it holds.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Message text made safe to print: another user's text must never drive the terminal (escape
 * sequences) or reorder a line. Tabs become a space; other control characters become `�`.
 */
export function safeText(text: string): string {
  return text.replace(UNSAFE, (ch) => (ch === '\t' ? ' ' : '\uFFFD'));
}

/**
 * One message as a line: `#12  14:03  bob: hello (edited)  👍 2  ❤️ 1 (you: ❤️)`, the `#12` padded on the
 * left to `seqWidth` characters. A deleted message shows
 * `(deleted)` instead of its text. Continuation lines of a multi-line message are indented
 * under the text.
 */
export function formatMessage(m: Message, clock: Clock, seqWidth = 0): string {
  const when = `${`#${m.s}`.padStart(seqWidth)}  ${formatWhen(m.at, clock)}  `;
  if (m.ev) return `${when}* ${formatRoomEvent(m.u, m.ev, clock)}`;
  const head = `${when}${m.u}: `;
  let body: string;
  if (m.del) {
    body = m.rb !== undefined ? REMOVED : '(deleted)';
  } else {
    body = safeText(m.x.replace(/\r\n/g, '\n')).replace(/\n/g, `\n${' '.repeat(head.length)}`);
    if (m.ed !== undefined) body += ' (edited)';
  }
  return `${head}${body}${m.del ? '' : formatReactions(m)}`;
}

/**
 * A message's reactions after its text: `  👍 3  ❤️ 1 (you: ❤️)` — each emoji with its count, in
 * the set's order, then the ones you gave. Empty when it has none.
 */
export function formatReactions(m: Pick<Message, 'rx' | 'my'>): string {
  const counts = Object.entries(m.rx ?? {}).map(([e, n]) => `${e} ${n}`);
  if (counts.length === 0) return '';
  return `  ${counts.join('  ')}${m.my && m.my.length > 0 ? ` (you: ${m.my.join(' ')})` : ''}`;
}

/** How a message removed by a moderator reads (the JSON has who: `rb`). */
export const REMOVED = '[removed by a moderator]';

/**
 * A room event as words, after `* ` in a history line: `alice banned bob`, `alice muted bob
 * until 14:05`, `alice set the topic: …`. The topic is made safe to print like message text,
 * on one line.
 */
export function formatRoomEvent(u: string, ev: RoomEvent, clock: Clock): string {
  return roomEventWords(u, ev, (ms) => formatWhen(ms, clock), oneLine);
}

/** Text on one line, safe to print. */
export function oneLine(text: string): string {
  return safeText(text.replace(/\s*\r?\n\s*/g, ' '));
}

/** A page of messages: the `#seq` column right-aligned to the widest number on the page. */
export function formatMessages(messages: readonly Message[], clock: Clock): string {
  const width = Math.max(0, ...messages.map((m) => `#${m.s}`.length));
  return messages.map((m) => formatMessage(m, clock, width)).join('\n');
}

/** Left-aligned columns separated by two spaces; trailing blanks trimmed. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface RoomRow {
  name: string;
  members: number;
  lastSeq: number;
  joined: boolean;
  private?: true | undefined;
  topic?: string | undefined;
  unread?: number | undefined;
  mentions?: number | undefined;
}

/**
 * `tidings rooms`: `*` marks the rooms you are in; `private` the invite-only ones; unread
 * counts for yours, with how many of them mention you.
 */
export function formatRooms(rooms: readonly RoomRow[]): string {
  if (rooms.length === 0) return 'no rooms';
  const anyPrivate = rooms.some((r) => r.private);
  return columns(
    rooms.map((r) => [
      r.joined ? '*' : ' ',
      r.name,
      `${r.members} ${r.members === 1 ? 'member' : 'members'}`,
      ...(anyPrivate ? [r.private ? 'private' : ''] : []),
      r.joined ? unreadText(r.unread ?? 0, r.mentions ?? 0) : 'not joined',
    ]),
  );
}

function unreadText(unread: number, mentions: number): string {
  if (unread === 0) return '';
  return mentions > 0 ? `${unread} unread, ${mentions} ${mentions === 1 ? 'mention' : 'mentions'} of you` : `${unread} unread`;
}

export interface UserRow {
  u: string;
  online: boolean;
  seen?: number | undefined;
  lastMsg?: number | undefined;
}

/** `tidings users`: a dot and a word for online, when last seen (offline), when they last wrote. */
export function formatUsers(users: readonly UserRow[], clock: Clock): string {
  if (users.length === 0) return 'no users';
  return columns(
    users.map((u) => [
      u.online ? '●' : '○',
      u.u,
      u.online ? 'online' : 'offline',
      u.online ? '' : u.seen !== undefined ? `seen ${formatWhen(u.seen, clock)}` : 'never seen',
      u.lastMsg !== undefined ? `last message ${formatWhen(u.lastMsg, clock)}` : 'no messages',
    ]),
  );
}
