import { ConversationLog } from '@tidings/client';
import { HISTORY_LIMIT_MAX, REACTIONS, parseRef, type ConversationEvent, type Message, type ReactionEmoji } from '@tidings/protocol';

/**
 * What the app knows about the signed-in user's conversations — plain data and decisions, no
 * MQTT and no DOM, so every rule here is unit-tested: unread counts, the new-message marker,
 * read markers, typing, presence, and what to fetch after a reconnect.
 */

export type Kind = 'room' | 'dm';

export interface Conversation {
  readonly ref: string;
  readonly kind: Kind;
  /** Messages held, merged from history pages, the cache and live events, each exactly once. */
  log: ConversationLog;
  /** Highest sequence number the server is known to have. */
  lastSeq: number;
  /** The user's read marker (never moves back). */
  readSeq: number;
  /** The newest message known, for the conversation list. */
  last?: Message;
  /** On the server's list of the user's conversations. False for a direct conversation opened here that has no message yet. */
  member: boolean;
  /** History was brought up to date during the current connection. */
  fresh: boolean;
  /** Unread messages that mention the user, as the server last counted them. */
  mentions: number;
  /** Messages that mentioned the user since (live `mn` events). */
  mentioned: Set<number>;
}

export interface Presence {
  on: boolean;
  /** Online since, or last seen (ms). */
  at: number;
}

export interface ConversationSummaryLike {
  c: string;
  kind: Kind;
  lastSeq: number;
  readSeq: number;
  mentions?: number | undefined;
  last?: Message | undefined;
}

/** How long "x is typing" stays up after the last typing event. */
export const TYPING_SHOW_MS = 5000;

export function kindOf(ref: string): Kind {
  return parseRef(ref).kind;
}

/** The other person of a direct conversation ref (`@bob` → `bob`), or null for a room. */
export function peerOf(ref: string): string | null {
  const p = parseRef(ref);
  return p.kind === 'dm' ? p.username : null;
}

export class ChatState {
  readonly me: string;
  readonly presence = new Map<string, Presence>();
  /** The conversation on screen, or null. */
  active: string | null = null;
  /** Where the "new messages" line goes in the active conversation: after this sequence number. */
  marker: { ref: string; seq: number } | null = null;
  /** Is the page visible? Hidden pages do not mark anything read. */
  visible = true;
  readonly #convs = new Map<string, Conversation>();
  readonly #typing = new Map<string, Map<string, number>>();
  readonly #now: () => number;

  constructor(me: string, now: () => number = Date.now) {
    this.me = me;
    this.#now = now;
  }

  get(ref: string): Conversation | undefined {
    return this.#convs.get(ref);
  }

  ensure(ref: string): Conversation {
    let conv = this.#convs.get(ref);
    if (!conv) {
      conv = { ref, kind: kindOf(ref), log: new ConversationLog(), lastSeq: 0, readSeq: 0, member: false, fresh: false, mentions: 0, mentioned: new Set() };
      this.#convs.set(ref, conv);
    }
    return conv;
  }

  remove(ref: string): void {
    this.#convs.delete(ref);
    this.#typing.delete(ref);
    if (this.active === ref) this.open(null);
  }

  all(): Conversation[] {
    return [...this.#convs.values()];
  }

  /** The conversation list: newest activity first, then by name. Includes the active one even when it has no message yet. */
  list(): Conversation[] {
    return this.all()
      .filter((c) => c.member || c.ref === this.active)
      .sort((a, b) => (b.last?.at ?? 0) - (a.last?.at ?? 0) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  }

  /** Rooms the user is a member of (their live topics are subscribed). */
  memberRooms(): string[] {
    return this.all()
      .filter((c) => c.kind === 'room' && c.member)
      .map((c) => c.ref);
  }

  /** Unread messages: none for the conversation being read, else everything after the read marker. */
  unread(ref: string): number {
    const conv = this.#convs.get(ref);
    if (!conv) return 0;
    if (ref === this.active && this.visible) return 0;
    return Math.max(0, conv.lastSeq - conv.readSeq);
  }

  /** Unread messages that mention the user (none for the conversation being read). */
  mentions(ref: string): number {
    const conv = this.#convs.get(ref);
    if (!conv || this.unread(ref) === 0) return 0;
    let n = conv.mentions;
    for (const s of conv.mentioned) if (s > conv.readSeq) n++;
    return n;
  }

  totalUnread(): number {
    let n = 0;
    for (const c of this.#convs.values()) if (c.member) n += this.unread(c.ref);
    return n;
  }

  /**
   * The server's list of the user's conversations. Rooms missing from it were left (perhaps on
   * another device) and are dropped; direct conversations opened here stay until they have a message.
   */
  applySummaries(summaries: readonly ConversationSummaryLike[]): void {
    const listed = new Set<string>();
    for (const s of summaries) {
      listed.add(s.c);
      const conv = this.ensure(s.c);
      conv.member = true;
      conv.lastSeq = Math.max(conv.lastSeq, s.lastSeq);
      conv.readSeq = Math.max(conv.readSeq, s.readSeq);
      conv.mentions = s.mentions ?? 0;
      conv.mentioned.clear();
      if (s.last && (!conv.last || s.last.s >= conv.last.s)) conv.last = s.last;
    }
    for (const conv of this.all()) {
      if (listed.has(conv.ref)) continue;
      if (conv.kind === 'room') this.remove(conv.ref);
      else conv.member = conv.log.size > 0;
    }
  }

  /**
   * A live event of one conversation. Returns 'membership' when the user's list of
   * conversations changed elsewhere (fetch it again), else whether anything changed.
   */
  applyEvent(ref: string, event: ConversationEvent): 'changed' | 'unchanged' | 'membership' {
    switch (event.t) {
      case 'm': {
        const conv = this.ensure(ref);
        const { t: _t, c: _c, ...message } = event;
        const changed = conv.log.apply(event);
        conv.lastSeq = Math.max(conv.lastSeq, event.s);
        if (conv.kind === 'dm') conv.member = true;
        if (!conv.last || event.s >= conv.last.s) conv.last = message;
        if (event.u === this.me) conv.readSeq = Math.max(conv.readSeq, event.s);
        const typing = this.#typing.get(ref);
        if (typing?.delete(event.u)) return 'changed';
        return changed ? 'changed' : 'unchanged';
      }
      case 'e':
      case 'd':
      case 'r': {
        const conv = this.#convs.get(ref);
        if (!conv) return 'unchanged';
        const changed = conv.log.apply(event, this.me);
        if (conv.last?.s === event.s) {
          if (event.t === 'e') conv.last = { ...conv.last, x: event.x, ed: event.ed };
          if (event.t === 'd') conv.last = { s: conv.last.s, u: conv.last.u, at: conv.last.at, x: '', del: true };
        }
        return changed ? 'changed' : 'unchanged';
      }
      case 'ty': {
        if (event.u === this.me) return 'unchanged';
        let typing = this.#typing.get(ref);
        if (!typing) this.#typing.set(ref, (typing = new Map<string, number>()));
        typing.set(event.u, this.#now() + TYPING_SHOW_MS);
        return 'changed';
      }
      case 'rd':
        return this.markRead(event.c, event.s) ? 'changed' : 'unchanged';
      case 'mb':
        return 'membership';
      case 'mn': {
        const conv = this.#convs.get(event.c);
        if (!conv || event.s <= conv.readSeq || conv.mentioned.has(event.s)) return 'unchanged';
        conv.mentioned.add(event.s);
        return 'changed';
      }
      default:
        // 'j' / 'lv': someone joined or left a room; nothing here depends on it
        return 'unchanged';
    }
  }

  /** A history page (any direction). */
  addPage(ref: string, messages: readonly Message[], lastSeq: number): void {
    const conv = this.ensure(ref);
    conv.log.addHistory(messages, lastSeq);
    conv.lastSeq = Math.max(conv.lastSeq, lastSeq);
    const newest = messages[messages.length - 1];
    if (newest && (!conv.last || newest.s >= conv.last.s)) conv.last = conv.log.get(newest.s) ?? newest;
  }

  /** Starts a conversation's log afresh (the gap since the last visit is too big to fill). */
  resetLog(ref: string): void {
    const conv = this.ensure(ref);
    conv.log = new ConversationLog();
  }

  /** The server acknowledged one of the user's messages: it is in the conversation now, with its sequence number. */
  addOwn(ref: string, s: number, at: number, x: string): void {
    const conv = this.ensure(ref);
    const message: Message = { s, u: this.me, x: x.trim(), at };
    // a live event may already have brought it; ConversationLog keeps it once either way
    conv.log.addHistory([message]);
    conv.lastSeq = Math.max(conv.lastSeq, s);
    conv.readSeq = Math.max(conv.readSeq, s);
    conv.member = true;
    if (!conv.last || s >= conv.last.s) conv.last = conv.log.get(s) ?? message;
  }

  /**
   * Shows a conversation (or none). The "new messages" line goes after the read marker as it was
   * when the conversation was opened, and stays there while it is open.
   */
  open(ref: string | null): void {
    this.active = ref;
    this.marker = null;
    if (ref === null) return;
    const conv = this.ensure(ref);
    if (this.visible && conv.readSeq < conv.lastSeq) this.marker = { ref, seq: conv.readSeq };
  }

  /** The page became visible or hidden. Coming back to unread messages puts the line before them. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (!visible || this.active === null || this.marker) return;
    const conv = this.#convs.get(this.active);
    if (conv && conv.readSeq < conv.lastSeq) this.marker = { ref: this.active, seq: conv.readSeq };
  }

  /** What to send as `chat.read` now: the active conversation's newest message when the page is visible and it is ahead of the marker. */
  readTarget(): { c: string; s: number } | null {
    if (!this.visible || this.active === null) return null;
    const conv = this.#convs.get(this.active);
    if (!conv || !conv.member) return null;
    const s = Math.max(conv.log.high, conv.last?.s ?? 0);
    return s > conv.readSeq ? { c: conv.ref, s } : null;
  }

  /** The read marker moved (our own chat.read, or another device's). Returns whether it moved. */
  markRead(ref: string, s: number): boolean {
    const conv = this.#convs.get(ref);
    if (!conv || s <= conv.readSeq) return false;
    conv.readSeq = s;
    if (s >= conv.lastSeq) conv.mentions = 0;
    return true;
  }

  /** Who is typing in a conversation right now. */
  typingIn(ref: string): string[] {
    const typing = this.#typing.get(ref);
    if (!typing) return [];
    const now = this.#now();
    return [...typing].filter(([, until]) => until > now).map(([u]) => u);
  }

  /** When the next "is typing" notice runs out (to redraw then), or null. */
  typingExpiresAt(): number | null {
    let next: number | null = null;
    const now = this.#now();
    for (const typing of this.#typing.values())
      for (const [u, until] of typing) {
        if (until <= now) typing.delete(u);
        else if (next === null || until < next) next = until;
      }
    return next;
  }

  setPresence(username: string, presence: Presence | null): void {
    if (presence) this.presence.set(username, presence);
    else this.presence.delete(username);
  }
}

/** Where the "new messages" line goes: before the first message after the marker that someone else wrote. */
export function newMessagesLine(messages: readonly Message[], markerSeq: number | null, me: string): number | null {
  if (markerSeq === null) return null;
  for (const m of messages) if (m.s > markerSeq && m.u !== me) return m.s;
  return null;
}

export type CatchUp = { kind: 'newest' } | { kind: 'after'; after: number };

/** Beyond this many missed messages, load the newest page instead of filling the whole gap. */
export const CATCH_UP_MAX_GAP = 300;

/**
 * Whether a live message showed a hole in the open conversation (one lost on the way: a broker
 * that died, or a packet passed over in a cluster): then it is filled at once from history,
 * rather than at the next reconnect, which may be hours away on a good link. Conversations not
 * open are filled when opened; a log holding nothing has no hole to fill.
 */
export function fillsLiveGap(log: { size: number; hasGap: boolean }, ref: string, active: string | null): boolean {
  return ref === active && log.size > 0 && log.hasGap;
}

/**
 * What to fetch to bring a conversation up to date after a (re)connect: nothing held → the
 * newest page; a gap too big to be worth filling → the newest page (the log starts afresh);
 * otherwise everything `after` the contiguous high-water mark — even when the server's lastSeq
 * says nothing is missing, since a message may have arrived while we were not subscribed yet.
 */
export function planCatchUp(log: { size: number; high: number }, lastSeq: number, maxGap = CATCH_UP_MAX_GAP): CatchUp {
  if (log.size === 0 || log.high === 0) return { kind: 'newest' };
  if (lastSeq - log.high > maxGap) return { kind: 'newest' };
  return { kind: 'after', after: log.high };
}

/**
 * Pages a catch-up reads at most. A page may hold fewer messages than its limit (pages end at
 * 56 KiB of messages: two of the longest), never none while `more`: so a gap of CATCH_UP_MAX_GAP
 * messages is filled within that many pages.
 */
export const CATCH_UP_PAGES_MAX = CATCH_UP_MAX_GAP + 1;

export interface HistoryPage {
  messages: Message[];
  more: boolean;
  lastSeq: number;
}

/**
 * Fills a conversation from `after` (the contiguous high-water mark) page by page until nothing
 * is missing: each page is merged by `add`, and the next asks after the new high-water mark.
 * `probe` asks first for no message at all (`limit: 0` answers `lastSeq`): after a reconnect that
 * kept the session, what was queued has arrived already. Stops when a page moves nothing on
 * (a server that skips a number must not loop the app) and after `maxPages`.
 */
export async function fillAfter(
  log: { readonly high: number },
  after: number,
  probe: boolean,
  fetch: (after: number, limit: number) => Promise<HistoryPage>,
  add: (page: HistoryPage) => void,
  maxPages = CATCH_UP_PAGES_MAX,
): Promise<void> {
  let limit = probe ? 0 : HISTORY_LIMIT_MAX;
  for (let i = 0; i < maxPages; i++) {
    const high = log.high;
    const page = await fetch(after, limit);
    add(page);
    const missing = page.lastSeq > log.high;
    if (!missing || (!page.more && limit !== 0)) break;
    if (limit !== 0 && log.high === high) break; // the page moved nothing on: do not loop
    limit = HISTORY_LIMIT_MAX;
    after = log.high;
  }
}

/** Sends "typing" at most once per interval per conversation. */
export class TypingThrottle {
  readonly #last = new Map<string, number>();
  readonly #intervalMs: number;
  readonly #now: () => number;

  constructor(intervalMs = 2000, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** True when a typing event for this conversation may go out now (and records it). */
  take(ref: string): boolean {
    const now = this.#now();
    const last = this.#last.get(ref);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    this.#last.set(ref, now);
    return true;
  }

  /** After sending a message the next keystroke may announce typing again at once. */
  reset(ref: string): void {
    this.#last.delete(ref);
  }
}

// --- reactions --------------------------------------------------------------------------------

/** One chip under a message: an emoji it has, its count, and whether you gave it. */
export interface ReactionChip {
  e: ReactionEmoji;
  n: number;
  mine: boolean;
}

/** The chips of a message, in the set's order: only emoji with a count. */
export function reactionChips(m: Pick<Message, 'rx' | 'my'>): ReactionChip[] {
  return REACTIONS.flatMap((e) => {
    const n = m.rx?.[e] ?? 0;
    return n > 0 ? [{ e, n, mine: m.my?.includes(e) === true }] : [];
  });
}

/** Who gave `e`, as a chip's tooltip says it: `❤️ alice, bob and 3 more` (you first, as "you"). */
export function whoText(e: ReactionEmoji, n: number, names: readonly string[] | undefined, me: string): string {
  if (!names) return `${e} ${n}`;
  const shown = [...names].sort((a, b) => (a === me ? -1 : b === me ? 1 : 0)).map((u) => (u === me ? 'you' : u));
  const more = n > names.length ? ` and ${n - names.length} more` : '';
  return `${e} ${shown.join(', ')}${more}`;
}
