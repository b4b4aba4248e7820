import {
  ConversationRef,
  HISTORY_LIMIT_MAX,
  MUTE_MAX_SECONDS,
  REACTIONS,
  ROOM_NAME_PATTERN,
  TidingsError,
  reactionOf,
  type ReactionEmoji,
  USERNAME_PATTERN,
  parseMessageRef,
  textProblem,
} from '@tidings/protocol';
import { UsageError, type ArgSpec, type OptionSpec } from '../command.js';
import { tidings } from '../invocation.js';

/**
 * Command-line values of the chat commands, checked before anything connects: a bad one is a
 * usage error (exit status 2) that names what was expected.
 */

export const conversationArg = { name: 'conversation', label: 'room|@user' } as const satisfies ArgSpec;
export const messageArg = { name: 'message', label: 'message' } as const satisfies ArgSpec;
export const textArg = { name: 'text', rest: true } as const satisfies ArgSpec;

/** `general`, `General ` → `general`; `@Bob` → `@bob`. */
export function conversationOf(raw: string): string {
  const ref = raw.trim().toLowerCase();
  if (!ConversationRef.safeParse(ref).success) {
    throw new UsageError(
      ref.startsWith('@')
        ? `not a user: ${raw} (a username has 3–32 of a-z 0-9 _ . -)`
        : `not a room or @user: ${raw} (a room name has 2–32 of a-z 0-9 _ -, starting with a letter or digit)`,
    );
  }
  return ref;
}

/** A room name (no `@user`). */
export function roomOf(raw: string): string {
  const name = raw.trim().toLowerCase();
  if (!ROOM_NAME_PATTERN.test(name)) {
    throw new UsageError(`not a room name: ${raw} (2–32 of a-z 0-9 _ -, starting with a letter or digit)`);
  }
  return name;
}

/** A username given where only users make sense (`tidings dm bob`); a leading `@` is allowed. */
export function userOf(raw: string): string {
  const name = raw.trim().toLowerCase().replace(/^@/, '');
  if (!USERNAME_PATTERN.test(name)) throw new UsageError(`not a username: ${raw} (3–32 of a-z 0-9 _ . -)`);
  return name;
}

/** `general#12` or `@bob#3`, as history prints them. */
export function messageRefOf(raw: string): { c: string; s: number } {
  const trimmed = raw.trim();
  const hash = trimmed.lastIndexOf('#');
  const parsed = hash > 0 ? parseMessageRef(`${trimmed.slice(0, hash).toLowerCase()}${trimmed.slice(hash)}`) : null;
  if (!parsed || !/^#[1-9][0-9]{0,9}$/.test(trimmed.slice(hash))) {
    throw new UsageError(`not a message: ${raw} (write it as history prints it, e.g. general#12 or @bob#3)`);
  }
  return parsed;
}

/** Names of the reactions for keyboards without emoji: `tidings react general#12 +1`. */
export const REACTION_NAMES: Readonly<Record<string, ReactionEmoji>> = {
  '+1': '👍',
  thumbsup: '👍',
  heart: '❤️',
  like: '❤️',
  laugh: '😂',
  joy: '😂',
  tada: '🎉',
  party: '🎉',
  wow: '😮',
  sad: '😢',
};

/** An emoji of the set, or its name (`heart`, `+1`…); anything else is a usage error that lists the set. */
export function reactionArgOf(raw: string): ReactionEmoji {
  const found = reactionOf(raw) ?? REACTION_NAMES[raw.trim().toLowerCase()];
  if (!found) throw new UsageError(`not a reaction: ${raw} (one of ${REACTIONS.join(' ')}, or ${Object.keys(REACTION_NAMES).join(', ')})`);
  return found;
}

/**
 * The text of a message from the command line: what is left of the arguments, joined by spaces.
 * Missing or blank text is a usage error; text over the limit is refused as the service would.
 */
export function messageTextOf(raw: string | undefined, command: string): string {
  if (raw === undefined || raw.trim() === '') throw new UsageError(`${command} needs the text of the message (see ${tidings()} ${command} --help)`);
  checkText(raw);
  return raw;
}

/** Refuses text the service would refuse (empty, or over 4000 characters), before sending anything. */
export function checkText(text: string): void {
  const problem = textProblem(text);
  if (problem) throw new TidingsError('BAD_REQUEST', problem);
}

/** A whole number from an option, within bounds. */
export function integerOption(value: string | undefined, flag: string, min: number, max = 2 ** 31 - 1): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === 2 ** 31 - 1 ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} takes a whole number ${range}: ${value}`);
  }
  return n;
}

export const limitOption = (help: string, byDefault: number) =>
  ({ type: 'string', value: 'n', help: `${help} (1–${HISTORY_LIMIT_MAX}, default ${byDefault})` }) as const satisfies OptionSpec;

/** `--limit`: 1–100. */
export function limitOf(value: string | undefined): number | undefined {
  return integerOption(value, '--limit', 1, HISTORY_LIMIT_MAX);
}

/** `--before N | --after N` (never both), `--limit N`. */
export function cursorOf(options: { before?: string | undefined; after?: string | undefined; limit?: string | undefined }): {
  before?: number;
  after?: number;
  limit?: number;
} {
  if (options.before !== undefined && options.after !== undefined) throw new UsageError('give --before or --after, not both');
  const before = integerOption(options.before, '--before', 1);
  const after = integerOption(options.after, '--after', 0);
  const limit = limitOf(options.limit);
  return {
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

/** The units a mute's length is written in: `30s`, `10m`, `2h`, `1d` (and sums: `1h30m`). */
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * How long a mute lasts, in seconds, from `30s`, `10m`, `2h`, `1d` or a sum of them (`1h30m`);
 * `0` lifts a mute. At most MUTE_MAX_SECONDS (30 days): longer is a usage error that says so.
 */
export function durationOf(raw: string): number {
  const text = raw.trim().toLowerCase();
  if (/^0+$/.test(text)) return 0;
  const parts = /^(?:\d{1,9}[smhd])+$/.test(text) ? [...text.matchAll(/(\d+)([smhd])/g)] : [];
  if (parts.length === 0) {
    throw new UsageError(`not a duration: ${raw} (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)`);
  }
  const seconds = parts.reduce((sum, m) => sum + Number(m[1]) * DURATION_UNITS[m[2]!]!, 0);
  if (seconds === 0) throw new UsageError(`a mute lasts at least 1 s: ${raw} (0 lifts the mute)`);
  if (seconds > MUTE_MAX_SECONDS) throw new UsageError(`a mute lasts at most 30 days (30d): ${raw}`);
  return seconds;
}

/** A length of time in words, for what the CLI prints: `10 min`, `2 h`, `1 d 6 h`, `45 s`. */
export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : '', s ? `${s} s` : ''].filter((p) => p !== '');
  return parts.length === 0 ? '0 s' : parts.join(' ');
}
