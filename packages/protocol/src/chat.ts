import { z } from 'zod';
import { CorrelationId, RequestBase } from './envelope.js';
import { Timestamp, Username, UsernameInput } from './auth.js';
import { ClientString } from './text.js';
import { USERNAME_PATTERN } from './topics.js';

/**
 * Conversations, messages, reactions, presence and typing.
 *
 * A conversation is named on the wire by a **conversation ref**: a room name (`general`) or
 * `@<username>` for the direct conversation between the caller and that user — so a third
 * person cannot even name someone else's direct conversation. A message is named by its
 * conversation and its sequence number `s`, which the server assigns per conversation,
 * starting at 1, contiguous and monotonic. Live events use one-letter keys: every byte is
 * paid on slow links.
 */

export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{1,31}$/;
export const DEFAULT_ROOM = 'general';
export const TEXT_MAX = 4000;
export const HISTORY_LIMIT_MAX = 100;
export const HISTORY_LIMIT_DEFAULT = 50;
/** Items in one page of chat.conversations, room.list and user.list: at most, and when not asked. */
export const LIST_LIMIT_MAX = 500;

export const RoomName = ClientString.max(64)
  .trim()
  .toLowerCase()
  .regex(ROOM_NAME_PATTERN, 'a room name has 2–32 of a-z 0-9 _ - and starts with a letter or digit');

/** `general` (a room) or `@bob` (the direct conversation with bob). */
export const ConversationRef = ClientString.max(64)
  .refine((v) => (v.startsWith('@') ? USERNAME_PATTERN.test(v.slice(1)) : ROOM_NAME_PATTERN.test(v)), {
    message: 'a conversation is a room name or @username',
  })
  .describe('A room name, or @username for a direct conversation');
export type ConversationRef = z.infer<typeof ConversationRef>;

export function dmRef(username: string): string {
  return `@${username}`;
}

export type ParsedRef = { kind: 'room'; name: string } | { kind: 'dm'; username: string };

export function parseRef(ref: string): ParsedRef {
  return ref.startsWith('@') ? { kind: 'dm', username: ref.slice(1) } : { kind: 'room', name: ref };
}

export const Seq = z.number().int().positive().describe('Sequence number of a message in its conversation');
/** Message text as sent: trimmed; 1–4000 characters is checked by the service (so it can say which). */
export const Text = ClientString.max(TEXT_MAX * 4).describe(
  `1–${TEXT_MAX} characters (code points) after trimming, checked by the service; the schema bound counts UTF-16 units`,
);

export function textProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length === 0) return 'a message cannot be empty';
  if ([...trimmed].length > TEXT_MAX) return `a message has at most ${TEXT_MAX} characters`;
  return null;
}

// --- rooms: roles, private rooms, moderation ---------------------------------------------

/** A member's role in a room: its owner (one), moderators, members. */
export const ROLES = ['owner', 'mod', 'member'] as const;
export const Role = z.enum(ROLES).describe('owner (one per room), mod (moderator) or member');
export type Role = z.infer<typeof Role>;

/** How much a role may do; one may act on someone only with a higher rank than theirs. */
export function roleRank(role: Role | null | undefined): number {
  return role === 'owner' ? 3 : role === 'mod' ? 2 : role === 'member' ? 1 : 0;
}

/** A room topic (description): at most this many characters. */
export const ROOM_TOPIC_MAX = 300;
/** The longest mute: 30 days, in seconds. */
export const MUTE_MAX_SECONDS = 30 * 24 * 3600;
/** Users one message can mention (notify): the first this many distinct `@names` count. */
export const MENTIONS_MAX = 20;
/** Members of one room at most (a private room's members are also held in every broker's memory). */
export const ROOM_MEMBERS_MAX = 10_000;

export const RoomTopic = ClientString.max(ROOM_TOPIC_MAX * 2)
  .trim()
  .refine((t) => [...t].length <= ROOM_TOPIC_MAX, { message: `a topic has at most ${ROOM_TOPIC_MAX} characters` })
  .describe(`0–${ROOM_TOPIC_MAX} characters; empty clears it`);

/**
 * The usernames a text mentions (`@bob`), lower-cased, distinct, in order of first mention, at
 * most MENTIONS_MAX. An `@` counts only at the start or after a character that cannot be part of
 * an address or a name, so `mail@example.com` mentions no one.
 */
export function mentionsIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9_.-]{3,32})(?![A-Za-z0-9_-])/gu)) {
    const name = m[1]!.toLowerCase().replace(/\.+$/, '');
    if (USERNAME_PATTERN.test(name) && !found.includes(name)) found.push(name);
    if (found.length === MENTIONS_MAX) break;
  }
  return found;
}

/**
 * A room event, kept in history like a message (it has a sequence number; gap-fill and history
 * return it). The message's `u` is who did it; `w` is whom it was done to.
 */
export const RoomEvent = z.discriminatedUnion('k', [
  z.object({ k: z.literal('invite'), w: Username }).describe('`u` added `w` to the room'),
  z.object({ k: z.literal('kick'), w: Username }).describe('`u` removed `w` from the room (they may join again if it is public)'),
  z.object({ k: z.literal('ban'), w: Username }).describe('`u` banned `w`: removed, and cannot join again until unbanned'),
  z.object({ k: z.literal('unban'), w: Username }).describe('`u` lifted the ban of `w`'),
  z.object({ k: z.literal('mute'), w: Username, until: Timestamp }).describe('`u` muted `w` until `until`: they cannot send here'),
  z.object({ k: z.literal('unmute'), w: Username }).describe('`u` lifted the mute of `w`'),
  z.object({ k: z.literal('role'), w: Username, role: Role }).describe('`u` gave `w` this role (`owner`: handed the room over; `u` is a mod now)'),
  z.object({ k: z.literal('topic'), x: z.string() }).describe('`u` set the topic to `x` (empty: cleared it)'),
  z.object({ k: z.literal('remove'), s: Seq }).describe('`u` (a moderator) removed message `s`'),
]);
export type RoomEvent = z.infer<typeof RoomEvent>;

/**
 * A room event in words, as every client shows it: `alice banned bob`, `alice muted bob until
 * 14:05`, `alice set the topic: …`. `when` writes a time; `text` makes a topic fit to show (the
 * CLI keeps it on one line and printable; the web app shows it as it is).
 */
export function roomEventWords(u: string, ev: RoomEvent, when: (ms: number) => string, text: (topic: string) => string = (t) => t): string {
  switch (ev.k) {
    case 'invite':
      return `${u} added ${ev.w}`;
    case 'kick':
      return `${u} kicked ${ev.w}`;
    case 'ban':
      return `${u} banned ${ev.w}`;
    case 'unban':
      return `${u} unbanned ${ev.w}`;
    case 'mute':
      return `${u} muted ${ev.w} until ${when(ev.until)}`;
    case 'unmute':
      return `${u} unmuted ${ev.w}`;
    case 'role':
      if (ev.role === 'owner') return `${u} handed the room over to ${ev.w}`;
      return ev.role === 'mod' ? `${u} made ${ev.w} a moderator` : `${u} made ${ev.w} a member (no longer a moderator)`;
    case 'topic':
      return ev.x === '' ? `${u} cleared the topic` : `${u} set the topic: ${text(ev.x)}`;
    case 'remove':
      return `${u} removed message #${ev.s}`;
  }
}

// --- reactions ------------------------------------------------------------------------------

/**
 * The reactions a message can get: this fixed set, no other. ❤️ is the like of old (like.add and
 * like.remove are the ❤️ reaction). A user gives each at most once per message, so one user holds
 * at most REACTIONS.length reactions on one message. Only appended to: a stored reaction is its
 * emoji, and the order is the order of `rx` on the wire.
 */
export const REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const;
export type ReactionEmoji = (typeof REACTIONS)[number];
/** The reaction like.add and like.remove stand for. */
export const LIKE_REACTION: ReactionEmoji = '❤️';
/** Usernames reaction.who answers per emoji at most (the earliest reactors first). */
export const REACTION_WHO_MAX = 50;

const REACTIONS_LISTED = REACTIONS.join(' ');
export const Reaction = z.enum(REACTIONS).describe(`one of ${REACTIONS_LISTED}`);

/** Count per emoji, only emoji with a count above 0, in the order of REACTIONS: `{"👍":3,"❤️":1}`. */
export const ReactionCounts = z.partialRecord(Reaction, z.number().int().positive());
export type ReactionCounts = z.infer<typeof ReactionCounts>;

/**
 * An emoji as people type it, as the member of REACTIONS it means, or null. Tolerates a missing or
 * extra variation selector (U+FE0F: `❤` is `❤️`, as many keyboards and terminals write it) and
 * surrounding spaces; anything else is not a reaction.
 */
export function reactionOf(text: string): ReactionEmoji | null {
  const bare = text.trim().replace(/\uFE0F/g, '');
  return REACTIONS.find((r) => r.replace(/\uFE0F/g, '') === bare) ?? null;
}

/** `rx` in REACTIONS order without zero counts (the canonical form services send). */
export function canonicalCounts(counts: Partial<Record<string, number>>): ReactionCounts {
  const out: ReactionCounts = {};
  for (const r of REACTIONS) {
    const n = counts[r] ?? 0;
    if (n > 0) out[r] = n;
  }
  return out;
}

/** A message as history and live events carry it. */
export const Message = z.object({
  s: Seq,
  u: Username.describe('sender'),
  x: z.string().describe('text; empty when deleted'),
  at: Timestamp.describe('server time of sending'),
  ed: Timestamp.optional().describe('time of the last edit'),
  del: z.literal(true).optional().describe('deleted: a tombstone'),
  rb: Username.optional().describe('removed by this moderator (with `del`; absent when the sender deleted it)'),
  ev: RoomEvent.optional().describe('a room event (moderation, topic, roles): `u` did it and `x` is empty'),
  rx: ReactionCounts.optional().describe('reactions: count per emoji, only those with a count (history only; absent = none)'),
  my: z.array(Reaction).max(REACTIONS.length).optional().describe('the reactions the caller gave it (history only; absent = none)'),
});
export type Message = z.infer<typeof Message>;

// --- chat-store -------------------------------------------------------------------------

/** chat.send: the request id is also the message's idempotency key — resend the same id after a lost ack. */
export const SendRequest = z.object({
  id: CorrelationId.describe('Correlation id AND idempotency key: a retry with the same id returns the first ack'),
  c: ConversationRef,
  x: Text,
});
export const SendResult = z.object({ s: Seq, at: Timestamp });

export const EditRequest = RequestBase.extend({ c: ConversationRef, s: Seq, x: Text });
export const EditResult = z.object({ s: Seq, ed: Timestamp });

export const DeleteRequest = RequestBase.extend({ c: ConversationRef, s: Seq });
export const DeleteResult = z.object({ s: Seq });

export const ReadRequest = RequestBase.extend({ c: ConversationRef, s: z.number().int().nonnegative() });
export const ReadResult = z.object({ s: z.number().int().nonnegative().describe('the read marker now (never moves back)') });

export const RoomCreateRequest = RequestBase.extend({
  name: RoomName,
  private: z.boolean().optional().describe('invite only: unlisted to non-members, unreadable to them (enforced by the broker); fixed at creation'),
  topic: RoomTopic.optional(),
});
export const RoomJoinRequest = RequestBase.extend({ name: RoomName });
export const RoomLeaveRequest = RequestBase.extend({ name: RoomName });
export const RoomResult = z.object({ name: z.string(), lastSeq: z.number().int().nonnegative() });
export const RoomLeaveResult = z.object({ name: z.string() });

/** room.invite, room.kick, room.ban, room.unban: one room, one user. */
/** A username a room action names (case-insensitive; BAD_REQUEST when no user could have it). */
const TargetUser = UsernameInput.regex(USERNAME_PATTERN, 'a username has 3–32 of a-z 0-9 _ . -').describe('the member (or user) acted on');
export const RoomMemberRequest = RequestBase.extend({ name: RoomName, u: TargetUser });
export const MuteRequest = RequestBase.extend({
  name: RoomName,
  u: TargetUser,
  seconds: z.number().int().min(0).max(MUTE_MAX_SECONDS).describe(`how long, 1–${MUTE_MAX_SECONDS} (30 days); 0 lifts the mute`),
});
export const RoleRequest = RequestBase.extend({
  name: RoomName,
  u: TargetUser,
  role: Role.describe('mod or member (owner only); owner hands the room over and makes you a mod'),
});
export const TopicRequest = RequestBase.extend({ name: RoomName, topic: RoomTopic });
/**
 * The answer of a room action: `s` is the history entry that records it; absent when nothing
 * changed (the user was already banned, the topic already so…), which is not an error.
 */
export const RoomActionResult = z.object({
  name: z.string(),
  s: Seq.optional().describe('the room event recording the change; absent when nothing had to change'),
  until: Timestamp.optional().describe('room.mute: when the mute ends'),
});

// --- chat-query -------------------------------------------------------------------------

export const HistoryRequest = RequestBase.extend({
  c: ConversationRef,
  before: Seq.optional().describe('page of messages before this sequence number (older)'),
  after: z.number().int().nonnegative().optional().describe('messages after this sequence number (gap-fill)'),
  limit: z
    .number()
    .int()
    .min(0)
    .max(HISTORY_LIMIT_MAX)
    .optional()
    .describe(`0–${HISTORY_LIMIT_MAX}, default ${HISTORY_LIMIT_DEFAULT}; 0 answers only lastSeq and more (a cheap check after a reconnect)`),
}).refine((r) => r.before === undefined || r.after === undefined, { message: 'give before or after, not both' });
export const HistoryResult = z.object({
  c: ConversationRef,
  messages: z.array(Message).describe('ascending by sequence number'),
  more: z
    .boolean()
    .describe(
      'more messages exist in the direction asked; a page also ends before `limit` when its messages reach 56 KiB of JSON (then `more` is true: ask again from its first or last message)',
    ),
  lastSeq: z.number().int().nonnegative(),
});

/**
 * A page of a list (chat.conversations, room.list, user.list): at most `limit` items and at most
 * 56 KiB of them (PAGE_BYTES). `more` says further items exist; send the same request with
 * `after` set to the page's `next` to read them.
 */
export const ListPageRequest = RequestBase.extend({
  after: ClientString.min(1).max(256).optional().describe('the `next` of the previous page: the page after it'),
  limit: z.number().int().min(1).max(LIST_LIMIT_MAX).optional().describe(`1–${LIST_LIMIT_MAX} items, default ${LIST_LIMIT_MAX}`),
});
const listPage = {
  more: z.boolean().describe('more items exist after this page: ask again with `after: next`'),
  next: z.string().optional().describe('present when `more`: the cursor of the next page'),
};

export const ConversationsRequest = ListPageRequest;
export const ConversationSummary = z.object({
  c: ConversationRef,
  kind: z.enum(['room', 'dm']),
  lastSeq: z.number().int().nonnegative(),
  readSeq: z.number().int().nonnegative(),
  unread: z.number().int().nonnegative(),
  mentions: z.number().int().nonnegative().optional().describe('unread messages that mention you (absent = 0)'),
  last: Message.optional(),
});
export const ConversationsResult = z.object({ conversations: z.array(ConversationSummary), ...listPage });

export const RoomListRequest = ListPageRequest;
export const RoomListResult = z.object({
  rooms: z.array(
    z.object({
      name: z.string(),
      members: z.number().int().nonnegative(),
      lastSeq: z.number().int().nonnegative(),
      joined: z.boolean(),
      private: z.literal(true).optional().describe('invite only (listed to its members only)'),
      topic: z.string().optional(),
    }),
  ),
  ...listPage,
});

export const RoomInfoRequest = RequestBase.extend({ name: RoomName });
export const RoomInfoResult = z.object({
  name: z.string(),
  private: z.boolean(),
  topic: z.string().optional(),
  owner: Username.optional().describe('absent for a room nobody owns (e.g. the default room)'),
  members: z.number().int().nonnegative(),
  lastSeq: z.number().int().nonnegative(),
  role: Role.optional().describe('your role; absent when you are not a member'),
  mutedUntil: Timestamp.optional().describe('you are muted here until then'),
  banned: z.literal(true).optional().describe('you are banned from this room'),
});

/** room.members: a page of a room's members with their roles (a private room: members only); `banned: true` lists the bans (moderators only). */
export const RoomMembersRequest = ListPageRequest.extend({ name: RoomName, banned: z.boolean().optional() });
export const RoomMembersResult = z.object({
  members: z.array(
    z.object({
      u: Username,
      role: Role.optional().describe('absent in the list of bans'),
      mutedUntil: Timestamp.optional(),
      by: Username.optional().describe('who banned them (list of bans)'),
      at: Timestamp.optional().describe('when they were banned (list of bans)'),
    }),
  ),
  ...listPage,
});

export const UserListRequest = ListPageRequest;
export const UserListResult = z.object({
  users: z.array(
    z.object({
      u: Username,
      online: z.boolean(),
      seen: Timestamp.optional().describe('last seen (when offline)'),
      lastMsg: Timestamp.optional().describe('time of the user’s last message'),
    }),
  ),
  ...listPage,
});

// --- search -----------------------------------------------------------------------------

/** chat.search: the longest query (UTF-16 units), the most words in it, and the page sizes. */
export const SEARCH_QUERY_MAX = 200;
export const SEARCH_WORDS_MAX = 16;
export const SEARCH_LIMIT_MAX = 100;
export const SEARCH_LIMIT_DEFAULT = 20;

/**
 * The words of a search query: its runs of letters, digits and combining marks (Unicode), in
 * order. Everything else — quotes, `*`, `:`, `&`, `!`, `(`, operators of any query language — only
 * separates words: a query is plain words, never syntax. Every word must appear in a hit (as a
 * word or the start of one).
 */
export function searchWords(q: string): string[] {
  return q.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

/** What is wrong with a search query (null: nothing), in one line for the reply. */
export function searchProblem(q: string): string | null {
  const words = searchWords(q);
  if (words.length === 0) return 'q: give at least one word to look for (letters or digits)';
  if (words.length > SEARCH_WORDS_MAX) return `q: at most ${SEARCH_WORDS_MAX} words`;
  return null;
}

export const SearchRequest = RequestBase.extend({
  q: ClientString.max(SEARCH_QUERY_MAX).describe(
    `words to look for, at most ${SEARCH_QUERY_MAX} characters and ${SEARCH_WORDS_MAX} words; each must appear in a hit (a word or the start of one), case and accents ignored; punctuation only separates words`,
  ),
  c: ConversationRef.optional().describe('only this conversation (a room you are in, or @user)'),
  before: ClientString.min(1).max(128).optional().describe('the `next` of the previous page: older hits'),
  limit: z.number().int().min(1).max(SEARCH_LIMIT_MAX).optional().describe(`1–${SEARCH_LIMIT_MAX} hits, default ${SEARCH_LIMIT_DEFAULT}`),
});
export const SearchHit = Message.omit({ rx: true, my: true, del: true }).extend({
  c: ConversationRef.describe('the conversation, as the caller names it'),
  r: z.string().describe('the message reference `room#seq` or `@user#seq`: open history around it with chat.history'),
});
export type SearchHit = z.infer<typeof SearchHit>;
export const SearchResult = z.object({
  hits: z.array(SearchHit).describe('newest first, only from the rooms the caller is in and their direct conversations'),
  more: z.boolean().describe('older hits exist: ask again with `before: next` (a page also ends when its hits reach 56 KiB of JSON)'),
  next: z.string().optional().describe('present when `more`: the cursor of the next (older) page'),
});

// --- likes --------------------------------------------------------------------------------

/** like.add / like.remove: the ❤️ reaction, as clients before reactions asked for it. */
export const LikeRequest = RequestBase.extend({ c: ConversationRef, s: Seq });
export const LikeResult = z.object({
  s: Seq,
  n: z.number().int().nonnegative().describe('the ❤️ count now'),
  me: z.boolean().describe('whether the caller gives ❤️ now'),
});

/** reaction.add / reaction.remove: one emoji of REACTIONS, given or taken back (set, not toggled). */
export const ReactionRequest = RequestBase.extend({ c: ConversationRef, s: Seq, e: Reaction });
export const ReactionResult = z.object({
  s: Seq,
  rx: ReactionCounts.describe('the message’s reactions now (empty object: none)'),
  my: z.array(Reaction).max(REACTIONS.length).describe('the caller’s reactions on it now'),
});

/** reaction.who: who gave a message's reactions (one emoji, or all). */
export const ReactionWhoRequest = RequestBase.extend({
  c: ConversationRef,
  s: Seq,
  e: Reaction.optional().describe('only this emoji (default: every emoji the message has)'),
});
export const ReactionWhoResult = z.object({
  s: Seq,
  rx: ReactionCounts.describe('the counts: a count above its list’s length means more people than listed'),
  who: z.partialRecord(Reaction, z.array(Username).max(REACTION_WHO_MAX)).describe(`per emoji, up to ${REACTION_WHO_MAX} usernames, earliest first`),
});

// --- presence and typing (no reply) -------------------------------------------------------

/** chat.typing: fire-and-forget at QoS 0; relayed to the other members, never stored, rate-limited. */
export const TypingRequest = z.object({ c: ConversationRef });

// --- live events --------------------------------------------------------------------------

/**
 * Events on `t/room/<name>` (rooms) and `t/inbox/<username>` (direct conversations and the
 * user's own sync events). Inbox events carry `c`, the conversation ref as the recipient
 * names it (`@alice` in bob's inbox); room events do not (the topic names the room).
 */
const withRef = { c: ConversationRef.optional().describe('conversation ref (inbox events only)') };
export const ConversationEvent = z.discriminatedUnion('t', [
  Message.extend({ t: z.literal('m'), ...withRef }).describe('a new message'),
  z.object({ t: z.literal('e'), s: Seq, x: z.string(), ed: Timestamp, ...withRef }).describe('a message was edited'),
  z.object({ t: z.literal('d'), s: Seq, rb: Username.optional().describe('removed by this moderator'), ...withRef }).describe('a message was deleted'),
  z
    .object({
      t: z.literal('r'),
      s: Seq,
      rx: ReactionCounts.describe('all of its reactions now (empty object: none)'),
      u: Username.describe('who reacted or took a reaction back'),
      e: Reaction.describe('the emoji'),
      on: z.boolean().describe('true: given; false: taken back'),
      ...withRef,
    })
    .describe('the reactions of a message changed: `u` gave (`on`) or took back `e`; `rx` is the message’s counts now'),
  z.object({ t: z.literal('ty'), u: Username, ...withRef }).describe('someone is typing (QoS 0)'),
  z.object({ t: z.literal('j'), u: Username, ...withRef }).describe('someone joined the room'),
  z.object({ t: z.literal('lv'), u: Username, ...withRef }).describe('someone left the room'),
  z.object({ t: z.literal('rd'), c: ConversationRef, s: z.number().int().nonnegative() }).describe('your read marker moved (inbox only)'),
  z
    .object({ t: z.literal('mb'), c: ConversationRef, on: z.boolean() })
    .describe('you joined or left a room (on another device, or a moderator added or removed you) (inbox only)'),
  z.object({ t: z.literal('mn'), c: ConversationRef, s: Seq, u: Username }).describe('`u` mentioned you in message `s` of `c` (inbox only)'),
]);
export type ConversationEvent = z.infer<typeof ConversationEvent>;

/**
 * On `t/svc/room-access` (service-only): chat-store tells the brokers who may read a private
 * room. `on: true` — `u` is a member now; false — `u` is not (left, kicked, banned). Only private
 * rooms have these events; a room named in one is private.
 */
export const RoomAccessEvent = z.object({ r: z.string().regex(ROOM_NAME_PATTERN), u: Username, on: z.boolean() });
export type RoomAccessEvent = z.infer<typeof RoomAccessEvent>;

/** Retained on `t/p/<username>`: is the user online (any device), and since when / last seen. */
export const PresenceEvent = z.object({ on: z.boolean(), at: Timestamp });
export type PresenceEvent = z.infer<typeof PresenceEvent>;

/** A device's own presence on `t/d/<username>/<clientId>`: `1` when connected (retained), `0` as its last will. */
export const DevicePresence = z.enum(['1', '0']);

/** How people type a message reference: `general#12`, `@bob#3`. */
export function formatMessageRef(c: string, s: number): string {
  return `${c}#${s}`;
}

export function parseMessageRef(text: string): { c: string; s: number } | null {
  const hash = text.lastIndexOf('#');
  if (hash <= 0) return null;
  const c = text.slice(0, hash);
  const s = Number(text.slice(hash + 1));
  if (!Number.isInteger(s) || s < 1 || !ConversationRef.safeParse(c).success) return null;
  return { c, s };
}
