import { ConversationLog } from '@tidings/client';
import { HISTORY_LIMIT_MAX, type ConversationEvent, type Message, type PresenceEvent, type ReactionEmoji, type ResultOf } from '@tidings/protocol';

/** What `tidings watch` reports, in the order it happens. */
export type WatchEvent =
  | { type: 'ready'; c: string; high: number; lastSeq: number }
  /** A message, printed once, in sequence order (the last page first, then new ones). */
  | { type: 'message'; c: string; m: Message }
  /** A message already printed changed; `m` is how it is now. */
  | { type: 'edit' | 'delete'; c: string; m: Message }
  | { type: 'reaction'; c: string; m: Message; u: string; e: ReactionEmoji; on: boolean }
  | { type: 'typing' | 'join' | 'leave'; c: string; u: string }
  | { type: 'presence'; u: string; on: boolean; at: number }
  /** `u` mentioned the watcher in message `s` of another conversation `c`. */
  | { type: 'mention'; c: string; s: number; u: string }
  /** The watcher joined or left the room watched (on another device, or a moderator added or removed them). */
  | { type: 'membership'; c: string; on: boolean }
  | { type: 'connection'; state: 'lost' | 'restored' };

export type HistoryPage = ResultOf<'chat.history'>;

export interface WatchCoreOptions {
  /** The conversation ref, as the watcher names it (`general`, `@bob`). */
  c: string;
  /** The watcher's own username: their own typing, joins and presence are not reported. */
  me: string;
  /** Asks chat-query for the messages after `after` (gap-fill). */
  fetchAfter(after: number, limit: number): Promise<HistoryPage>;
  emit(event: WatchEvent): void;
  /** Someone new appeared in the conversation: the caller follows their presence. */
  onParticipant?(username: string): void;
  /** A gap-fill failed (offline, timeout); it is tried again at the next reconnect or message. */
  onFillError?(err: unknown): void;
  /**
   * How long (ms) a presence change must last before it is reported (default 0: at once). A
   * flip that is undone within it — someone running a one-shot command comes online and goes
   * offline again a moment later — is never reported.
   */
  presenceDelayMs?: number;
  /** false: report no presence at all (`--no-presence`). Default true. */
  presence?: boolean;
}

/**
 * The logic of `tidings watch`, apart from MQTT so it can be tested with fixed data. It holds the
 * conversation in a ConversationLog (history pages and live events merged, each message once)
 * and prints a message only when every message before it has been printed: live events that
 * arrive ahead of a gap wait until a `chat.history after: high` page fills it. After a reconnect
 * the caller calls `fill()` — or `fill({ probe: true })` when the broker kept the session and
 * delivers what it queued — so messages sent while the link was down are printed exactly once,
 * in order, whether they come back queued by the broker, from history, or both.
 */
export class WatchCore {
  readonly #o: WatchCoreOptions;
  readonly #log = new ConversationLog();
  readonly #participants = new Set<string>();
  readonly #presence = new Map<string, PresenceEvent>();
  /** Per participant: the state last reported (or the one known when they were first seen). */
  readonly #shown = new Map<string, boolean>();
  /** Per participant: a change waiting to have lasted `presenceDelayMs`. */
  readonly #pending = new Map<string, ReturnType<typeof setTimeout>>();
  /** Participants first known online from a retained state, for `presenceDelayMs` after it arrived. */
  readonly #settling = new Map<string, ReturnType<typeof setTimeout>>();
  #started = false;
  #stopped = false;
  #buffer: ConversationEvent[] = [];
  /** The highest sequence number printed; everything up to it has been printed once. */
  #printed = 0;
  #filling: Promise<void> | undefined;
  #fillAgain = false;

  constructor(options: WatchCoreOptions) {
    this.#o = options;
  }

  get printed(): number {
    return this.#printed;
  }

  get lastSeq(): number {
    return this.#log.lastSeq;
  }

  get participants(): ReadonlySet<string> {
    return this.#participants;
  }

  /** A user whose presence matters from the start (the other side of a direct conversation). */
  addParticipant(username: string): void {
    if (username === this.#o.me || this.#participants.has(username)) return;
    this.#participants.add(username);
    this.#o.onParticipant?.(username);
  }

  /** The newest page: printed as it is; then the live events that came in meanwhile are applied. */
  start(page: HistoryPage): void {
    if (this.#started) throw new Error('the watch has started already');
    this.#started = true;
    this.#log.addHistory(page.messages, page.lastSeq);
    for (const m of page.messages) this.addParticipant(m.u);
    // The page is printed whole, even if it does not start at #1. An empty page: the next
    // message is lastSeq + 1 (0 + 1 in a new conversation), and anything after it is a gap.
    const first = page.messages[0];
    this.#printed = first ? first.s - 1 : page.lastSeq;
    this.#flush();
    this.#o.emit({ type: 'ready', c: this.#o.c, high: this.#printed, lastSeq: this.#log.lastSeq });
    const buffered = this.#buffer;
    this.#buffer = [];
    for (const event of buffered) this.live(event);
    if (this.#hasGap) void this.fill();
  }

  /** A live event of this conversation (the caller has checked its topic and `c`). */
  live(event: ConversationEvent): void {
    if (this.#stopped) return;
    if (!this.#started) {
      this.#buffer.push(event);
      return;
    }
    const c = this.#o.c;
    switch (event.t) {
      case 'm': {
        // Older than what was printed and not held: history the watcher did not ask for.
        if (event.s <= this.#printed) return;
        this.addParticipant(event.u);
        const target = event.ev?.k === 'remove' ? this.#log.get(event.ev.s) : undefined;
        this.#log.apply(event);
        this.#flush();
        // A moderator removed a message printed already: print it again, as removed.
        if (target && event.ev?.k === 'remove' && target.s <= this.#printed) {
          const now = this.#log.get(target.s)!;
          if (now !== target) this.#o.emit({ type: 'delete', c, m: now });
        }
        if (this.#hasGap) void this.fill();
        return;
      }
      case 'e':
      case 'd':
      case 'r': {
        if (!this.#log.apply(event, this.#o.me)) return;
        // A change to a message still waiting behind a gap shows when that message is printed.
        if (event.s > this.#printed) return;
        const m = this.#log.get(event.s)!;
        if (event.t === 'r') this.#o.emit({ type: 'reaction', c, m, u: event.u, e: event.e, on: event.on });
        else this.#o.emit({ type: event.t === 'e' ? 'edit' : 'delete', c, m });
        return;
      }
      case 'ty':
        if (event.u === this.#o.me) return;
        this.addParticipant(event.u);
        this.#o.emit({ type: 'typing', c, u: event.u });
        return;
      case 'j':
        if (event.u === this.#o.me) return;
        this.addParticipant(event.u);
        this.#o.emit({ type: 'join', c, u: event.u });
        return;
      case 'lv':
        if (event.u === this.#o.me) return;
        this.#participants.delete(event.u);
        this.#forget(event.u);
        this.#o.emit({ type: 'leave', c, u: event.u });
        return;
      default:
        return; // read markers and membership sync of the watcher's other devices
    }
  }

  /**
   * A user's presence. Reported when it changes: a retained state (what the broker holds when
   * we subscribe, or again after a reconnect) is reported only if it differs from one we knew.
   * A change is reported once it has lasted `presenceDelayMs`; one undone within that time is
   * not reported at all.
   */
  presence(username: string, event: PresenceEvent, retained: boolean): void {
    if (this.#stopped || username === this.#o.me) return;
    const before = this.#presence.get(username);
    this.#presence.set(username, event);
    if (this.#o.presence === false || !this.#participants.has(username)) return;
    // What the watcher believes now: what was last reported, else the state known before this
    // event, else (first news of them) a retained state is the starting point and a live one a change.
    const delay = this.#o.presenceDelayMs ?? 0;
    if (this.#settling.has(username)) {
      // First seen online (retained), and gone within the delay: the end of the command that made
      // them a participant (a one-shot send). Their starting point is offline, quietly.
      if (!event.on) this.#endSettling(username);
      this.#shown.set(username, event.on);
      return;
    }
    let shown = this.#shown.get(username);
    if (shown === undefined) {
      shown = before ? before.on : retained ? event.on : !event.on;
      this.#shown.set(username, shown);
      if (!before && retained && event.on && delay > 0) {
        const timer = setTimeout(() => this.#settling.delete(username), delay);
        timer.unref?.();
        this.#settling.set(username, timer);
        return;
      }
    }
    if (event.on === shown) {
      // Back to what was reported before the change had lasted: nothing happened, as far as anyone needs to know.
      clearTimeout(this.#pending.get(username));
      this.#pending.delete(username);
      return;
    }
    if (delay <= 0) {
      this.#report(username);
      return;
    }
    if (this.#pending.has(username)) return; // the change is already waiting to have lasted
    const timer = setTimeout(() => {
      this.#pending.delete(username);
      this.#report(username);
    }, delay);
    timer.unref?.();
    this.#pending.set(username, timer);
  }

  #endSettling(username: string): void {
    clearTimeout(this.#settling.get(username));
    this.#settling.delete(username);
  }

  /** Reports the latest known presence of a participant, if it is not what was last reported. */
  #report(username: string): void {
    const latest = this.#presence.get(username);
    if (this.#stopped || !latest || !this.#participants.has(username) || this.#shown.get(username) === latest.on) return;
    this.#shown.set(username, latest.on);
    this.#o.emit({ type: 'presence', u: username, on: latest.on, at: latest.at });
  }

  #forget(username: string): void {
    clearTimeout(this.#pending.get(username));
    this.#pending.delete(username);
    this.#endSettling(username);
    this.#shown.delete(username);
  }

  /**
   * Fetches every message after the last one printed, page by page, and prints them. One fill
   * runs at a time; a call during a fill runs another after it.
   *
   * `probe`: after a reconnect that kept the session, the broker has just delivered what it
   * queued, and those messages arrive before any reply. So ask for no message at all (`limit: 0`
   * answers `lastSeq`) and fetch pages only when something is still missing: what was queued is
   * not fetched a second time.
   */
  fill(options: { probe?: boolean } = {}): Promise<void> {
    if (!this.#started || this.#stopped) return Promise.resolve();
    if (this.#filling) {
      this.#fillAgain = true;
      return this.#filling;
    }
    let probe = options.probe === true;
    const run = async () => {
      try {
        do {
          this.#fillAgain = false;
          for (;;) {
            const before = this.#printed;
            const page = await this.#o.fetchAfter(before, probe ? 0 : HISTORY_LIMIT_MAX);
            if (this.#stopped) return;
            for (const m of page.messages) this.addParticipant(m.u);
            this.#log.addHistory(page.messages, page.lastSeq);
            this.#flush();
            if (probe) {
              probe = false;
              if (this.#hasGap) continue;
              break;
            }
            // `more`, and the page moved us on (a server that skipped a number must not loop us).
            if (!page.more || this.#printed === before) break;
          }
        } while (this.#fillAgain);
      } catch (err) {
        if (!this.#stopped) this.#o.onFillError?.(err);
      } finally {
        this.#filling = undefined;
      }
    };
    this.#filling = run();
    return this.#filling;
  }

  /** Nothing is reported after this. */
  stop(): void {
    this.#stopped = true;
    for (const timer of [...this.#pending.values(), ...this.#settling.values()]) clearTimeout(timer);
    this.#pending.clear();
    this.#settling.clear();
  }

  /** Messages are known to exist past the last one printed. */
  get #hasGap(): boolean {
    return this.#log.lastSeq > this.#printed;
  }

  /** Prints the messages that are now contiguous after the last one printed. */
  #flush(): void {
    for (let s = this.#printed + 1; ; s++) {
      const m = this.#log.get(s);
      if (!m) break;
      this.#printed = s;
      this.#o.emit({ type: 'message', c: this.#o.c, m });
    }
  }
}
