import { CLIENT_BACKOFF, backoffDelay, connectUser, readAllPages, type ConnectOptions, type Connection, type UserCredentials } from '@tidings/client';
import {
  ConversationEvent,
  PresenceEvent,
  RoomName,
  isTidingsError,
  parseTopic,
  textProblem,
  topics,
  type Action,
  type ReactionEmoji,
  type RequestOf,
  type ResultOf,
} from '@tidings/protocol';
import { loadChatCache, saveChatCache } from '../state/cache.js';
import { Drafts } from '../state/drafts.js';
import { ChatState, TypingThrottle, fillAfter, fillsLiveGap, kindOf, planCatchUp } from '../state/chat.js';
import { Emitter } from '../state/emitter.js';
import { forgetUser, userKey, type SavedSession } from '../state/identity.js';
import { Outbox, classifySendError, type OutboxItem } from '../state/outbox.js';
import type { KeyValue } from '../state/storage.js';

/**
 * One signed-in user in this browser: the connection (with reconnects), the live topics, the
 * outbox, the history cache and every chat request. The view reads `chat`, `outbox` and `link`
 * and calls the methods below; `changes` says when to redraw.
 */

export type RoomInfo = ResultOf<'room.info'>;
export type SearchHit = ResultOf<'chat.search'>['hits'][number];
/** The moderation actions on one member of a room. */
export type RoomAction = 'room.invite' | 'room.kick' | 'room.ban' | 'room.unban' | 'room.mute' | 'room.role';

export type Link = { state: 'connecting' } | { state: 'online' } | { state: 'offline'; retryAt: number | null; reason: string };

export interface ChatSessionDeps {
  url: string;
  session: SavedSession;
  device: string;
  kv: KeyValue;
  now?: () => number;
  /** Injected for tests; the real one by default. */
  connect?: (options: ConnectOptions, credentials: UserCredentials) => Promise<Connection>;
  /** Extra mqtt.js options (the keepalive timer). */
  mqtt?: ConnectOptions['mqtt'];
  /** Does the browser have a network at all (navigator.onLine)? False is reliable: no attempt can work then. */
  network?: () => boolean;
}

/** Older pages and first pages. */
const PAGE = 50;
/** Messages of the outbox on their way at once (the rate limit's burst is 20). */
const SEND_WINDOW = 8;
/** A conversation shorter than this on opening gets one older page at once, to fill the screen. */
const FILL = 30;
/** A message acknowledged this long after it was written shows both times ("written 10:02, delivered 10:07"). */
export const LATE_MS = 60_000;
/** Late deliveries remembered (this page only), oldest forgotten first. */
const LATE_KEPT = 200;

export class ChatSession {
  readonly changes = new Emitter();
  readonly chat: ChatState;
  readonly outbox: Outbox;
  readonly username: string;
  link: Link = { state: 'connecting' };
  /** Set when the server ended the session (revoked, expired): the app goes back to sign-in with this reason. */
  ended: string | null = null;
  /** A direct message (`text`) or a mention (`text` null) from `from` arrived in `ref`: App may show a desktop notification. */
  onAlert: ((ref: string, from: string, text: string | null) => void) | null = null;
  /** Conversations whose older page is being fetched. */
  readonly loadingOlder = new Set<string>();
  /** Last error of a history fetch per conversation, shown in the conversation. */
  readonly historyError = new Map<string, string>();
  /** What room.info said of each room opened (topic, private, your role), refreshed after its room events. */
  readonly rooms = new Map<string, RoomInfo>();
  /** Room events seen per room: the member panel reads the members again when this moves. */
  readonly roomEvents = new Map<string, number>();

  /** Unsent text per conversation (kept across reloads, forgotten at sign-out with the rest). */
  readonly drafts: Drafts;
  /** When a late message was written (this device's clock), by `<conversation> <seq>`; see LATE_MS. */
  readonly written = new Map<string, number>();

  readonly #deps: ChatSessionDeps;
  readonly #now: () => number;
  readonly #network: () => boolean;
  readonly #cacheKey: string;
  readonly #typing: TypingThrottle;
  #conn: Connection | null = null;
  #stopped = false;
  #wake: (() => void) | null = null;
  #syncGen = 0;
  /** Messages on their way: their requests stop when the user discards them. */
  readonly #sending = new Map<string, AbortController>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #emitQueued = false;
  #subscribedRooms = new Set<string>();
  #readInFlight = false;
  readonly #catchingUp = new Map<string, Promise<void>>();

  constructor(deps: ChatSessionDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#network = deps.network ?? (() => typeof navigator === 'undefined' || navigator.onLine !== false);
    this.username = deps.session.username;
    this.chat = new ChatState(this.username, this.#now);
    this.#cacheKey = userKey(this.username, 'chat');
    this.drafts = new Drafts(deps.kv, userKey(this.username, 'draft:'), this.#now);
    this.outbox = new Outbox(deps.kv, userKey(this.username, 'outbox'), { now: this.#now });
    this.outbox.changes.on(() => this.changed(false));
    this.#typing = new TypingThrottle(2000, this.#now);
    loadChatCache(deps.kv, this.#cacheKey, this.chat);
  }

  get connection(): Connection | null {
    return this.#conn;
  }

  get online(): boolean {
    return this.link.state === 'online';
  }

  /** Connects, retrying with backoff and jitter until it works or the session is refused. */
  start(): void {
    void this.#connectLoop();
  }

  /** Closes the connection (the broker keeps the persistent session and queues events for it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#typingTimer);
    this.#saveNow();
    const conn = this.#conn;
    this.#conn = null;
    await conn?.close().catch(() => {});
  }

  /** Something changed: redraw soon (once per tick), and save the cache soon after. */
  changed(save = true): void {
    if (save) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = setTimeout(() => this.#saveNow(), 400);
    }
    if (this.#emitQueued) return;
    this.#emitQueued = true;
    queueMicrotask(() => {
      this.#emitQueued = false;
      this.changes.emit();
    });
  }

  /** Writes the history cache now (the page is going away or hidden). */
  persist(): void {
    this.#saveNow();
  }

  #saveNow(): void {
    clearTimeout(this.#saveTimer);
    if (!this.ended) saveChatCache(this.#deps.kv, this.#cacheKey, this.chat);
  }

  #setLink(link: Link): void {
    this.link = link;
    this.changed(false);
  }

  // --- the connection --------------------------------------------------------------------

  async #connectLoop(): Promise<void> {
    const { url, session, device } = this.#deps;
    const connect = this.#deps.connect ?? connectUser;
    let attempt = 0;
    while (!this.#stopped && !this.#conn) {
      if (!this.#network()) {
        // no network at all: wait for the browser's `online` event (or look again in a while)
        this.#setLink({ state: 'offline', retryAt: null, reason: 'no network' });
        await this.#pause(30_000);
        continue;
      }
      this.#setLink({ state: 'connecting' });
      try {
        const options: ConnectOptions = {
          url,
          connectTimeoutMs: 10_000,
          // listen before CONNACK: the broker delivers the events it queued for this device at once
          onClient: (client) => client.on('message', (topic, payload) => this.#onMessage(topic, payload)),
        };
        if (this.#deps.mqtt) options.mqtt = this.#deps.mqtt;
        const conn = await connect(options, { username: session.username, token: session.token, device });
        if (this.#stopped) {
          await conn.close().catch(() => {});
          return;
        }
        this.#attach(conn);
        return;
      } catch (err) {
        if (isTidingsError(err) && err.code === 'UNAUTHORIZED') {
          this.#end('Your session has ended (signed out elsewhere, expired or the password was changed). Please sign in again.');
          return;
        }
        const delay = backoffDelay(attempt++, CLIENT_BACKOFF);
        this.#setLink({ state: 'offline', retryAt: this.#now() + delay, reason: describe(err) });
        await this.#pause(delay);
      }
    }
  }

  /** Waits `ms`, or less when reconnectNow() is called. */
  async #pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = null;
  }

  /** Try to connect now instead of waiting for the next attempt (the "retry now" button, the browser coming online). */
  reconnectNow(): void {
    if (this.#stopped || this.online) return;
    if (!this.#conn) {
      this.#wake?.();
      return;
    }
    const client = this.#conn.client;
    // only while waiting between attempts (mqtt.js keeps that timer private); an attempt under way finishes on its own
    const waiting = (client as unknown as { reconnectTimer?: unknown }).reconnectTimer;
    if (!client.connected && waiting) client.reconnect();
  }

  /** The browser says the network is gone: drop the link now rather than after the keepalive. */
  networkLost(): void {
    const client = this.#conn?.client;
    if (client?.connected) client.stream.destroy();
  }

  #attach(conn: Connection): void {
    this.#conn = conn;
    const client = conn.client;
    client.on('connect', (connack) => {
      this.#setLink({ state: 'online' });
      // With the session kept, the broker still holds our subscriptions and delivers what it
      // queued: only check the tail of what is on screen. Without it, sync everything again.
      void this.#sync(connack.sessionPresent === true);
    });
    client.on('reconnect', () => {
      if (this.#network()) this.#setLink({ state: 'connecting' });
    });
    client.on('close', () => {
      if (this.#conn !== conn) return;
      // Requests waiting for a reply stay pending: the connection sends them again, same id, as
      // soon as the link is back. Nothing is failed for a dropped link.
      const period = client.options.reconnectPeriod ?? 1000;
      this.#setLink({ state: 'offline', retryAt: this.#network() ? this.#now() + period : null, reason: this.#network() ? 'connection lost' : 'no network' });
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      if (err.code === 4 || err.code === 5)
        this.#end('Your session has ended (signed out elsewhere, expired or the password was changed). Please sign in again.');
    });
    this.#setLink({ state: 'online' });
    void this.#sync(false);
  }

  #end(reason: string): void {
    if (this.ended) return;
    this.ended = reason;
    this.#stopped = true;
    const conn = this.#conn;
    this.#conn = null;
    conn?.client.end(true);
    // the token is useless now; the cache and unsent messages go with it
    forgetUser(this.#deps.kv, this.username);
    this.changed(false);
  }

  /** Runs one request on the current link; fails at once when offline. */
  request<A extends Action>(action: A, body: Omit<RequestOf<A>, 'id'>, options: { id?: string; timeoutMs?: number } = {}): Promise<ResultOf<A>> {
    const conn = this.#conn;
    if (!conn || !this.online) return Promise.reject(new Error('You are offline: this needs a connection.'));
    return conn.request(action, body, options);
  }

  /**
   * After every (re)connect: the outbox, subscriptions, the conversation list, gap-fill of what
   * is on screen, the read marker. `resumed`: the broker kept the session (subscriptions, and the
   * events queued while away, which arrive before any reply): only probe the open conversation.
   */
  async #sync(resumed: boolean): Promise<void> {
    const gen = ++this.#syncGen;
    const conn = this.#conn;
    if (!conn) return;
    this.outbox.linkReturned();
    this.#flush();
    try {
      if (!resumed) {
        for (const c of this.chat.all()) c.fresh = false;
        await conn.client.subscribeAsync({ [topics.inbox(this.username)]: { qos: 1 }, [topics.presenceFilter]: { qos: 0 } });
        await this.refreshConversations();
      }
      if (gen !== this.#syncGen) return;
      const active = this.chat.active;
      if (active && kindOf(active) === 'room') void this.loadRoom(active);
      if (active) await this.catchUp(active, resumed);
      this.#sendRead();
    } catch (err) {
      if (gen !== this.#syncGen || !this.online) return;
      // the services may be restarting: try again shortly on the same link
      setTimeout(() => {
        if (gen === this.#syncGen && this.online) void this.#sync(resumed);
      }, 3000);
      console.warn('sync failed', err);
    }
  }

  /** Fetches the conversation list and follows the rooms in it. */
  async refreshConversations(): Promise<void> {
    // Every page: conversations come 500, or 56 KiB, at a time.
    const pages = await readAllPages((after) => this.request('chat.conversations', after === undefined ? {} : { after }));
    const conversations = pages.flatMap((p) => p.conversations);
    this.chat.applySummaries(conversations);
    await this.#followRooms();
    this.changed();
  }

  async #followRooms(): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    const wanted = new Set(this.chat.memberRooms());
    const add = [...wanted].filter((r) => !this.#subscribedRooms.has(r));
    const drop = [...this.#subscribedRooms].filter((r) => !wanted.has(r));
    this.#subscribedRooms = wanted;
    if (add.length > 0) await conn.client.subscribeAsync(Object.fromEntries(add.map((r) => [topics.room(r), { qos: 1 as const }])));
    if (drop.length > 0) await conn.client.unsubscribeAsync(drop.map((r) => topics.room(r)));
  }

  #onMessage(topic: string, payload: Uint8Array): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.kind === 'reply') return;
    const text = new TextDecoder().decode(payload);
    if (parsed.kind === 'presence') {
      if (text.length === 0) this.chat.setPresence(parsed.username, null);
      else {
        const p = PresenceEvent.safeParse(safeJson(text));
        if (p.success) this.chat.setPresence(parsed.username, p.data);
      }
      this.changed(false);
      return;
    }
    if (parsed.kind !== 'room' && parsed.kind !== 'inbox') return;
    const event = ConversationEvent.safeParse(safeJson(text));
    if (!event.success) return;
    const ev = event.data;
    const ref = parsed.kind === 'room' ? parsed.name : 'c' in ev ? ev.c : undefined;
    if (ref === undefined) return;
    const outcome = this.chat.applyEvent(ref, ev);
    // A hole in the open conversation's live messages: fill it now (a probe: once per hole).
    if (ev.t === 'm' && this.online && fillsLiveGap(this.chat.ensure(ref).log, ref, this.chat.active)) void this.catchUp(ref, true);
    if (parsed.kind === 'room' && ((ev.t === 'm' && ev.ev) || ev.t === 'j' || ev.t === 'lv')) {
      // someone came or went, or a topic or a role changed: what the header and the member panel show
      this.roomEvents.set(ref, (this.roomEvents.get(ref) ?? 0) + 1);
      if (ev.t === 'm') void this.loadRoom(ref);
      this.changed(false);
    }
    if (outcome === 'membership') {
      void this.refreshConversations().catch(() => {});
      return;
    }
    if (outcome === 'unchanged') return;
    // a direct message or a mention, new and unread: App may show a desktop notification
    if ((ev.t === 'm' && !ev.ev && ev.u !== this.username && kindOf(ref) === 'dm') || ev.t === 'mn') this.onAlert?.(ref, ev.u, ev.t === 'm' ? ev.x : null);
    if (ev.t === 'ty') this.#scheduleTypingExpiry();
    if (ev.t === 'm') this.#sendRead();
    this.changed(ev.t !== 'ty');
  }

  #scheduleTypingExpiry(): void {
    clearTimeout(this.#typingTimer);
    const at = this.chat.typingExpiresAt();
    if (at === null) return;
    this.#typingTimer = setTimeout(
      () => {
        this.changed(false);
        this.#scheduleTypingExpiry();
      },
      Math.max(50, at - this.#now() + 20),
    );
  }

  // --- conversations -----------------------------------------------------------------------

  /** Shows a conversation: from the cache at once, brought up to date when online. */
  open(ref: string | null): void {
    this.chat.open(ref);
    this.changed(false);
    if (ref === null) return;
    this.historyError.delete(ref);
    if (this.online) void this.catchUp(ref).then(() => this.#sendRead());
    if (this.online && kindOf(ref) === 'room') void this.loadRoom(ref);
  }

  /** Reads room.info for the header (topic, lock) and the member panel (your role). */
  async loadRoom(name: string): Promise<void> {
    try {
      this.rooms.set(name, await this.request('room.info', { name }));
      this.changed(false);
    } catch {
      // the header then shows the name alone; a private room you were removed from says nothing more
    }
  }

  /** Every member of a room with their role, or (`banned`, moderators only) its bans. */
  async members(name: string, banned = false): Promise<ResultOf<'room.members'>['members']> {
    const pages = await readAllPages((after) =>
      this.request('room.members', { name, ...(banned ? { banned } : {}), ...(after === undefined ? {} : { after }) }),
    );
    return pages.flatMap((p) => p.members);
  }

  /** A moderator's action on one member (`extra`: the mute's seconds, the role); the room is read again after it. */
  async moderate(action: RoomAction, name: string, u: string, extra: { seconds?: number; role?: 'owner' | 'mod' | 'member' } = {}): Promise<void> {
    await this.request(action, { name, u, ...extra });
    await this.loadRoom(name);
  }

  async setTopic(name: string, topic: string): Promise<void> {
    await this.request('room.topic', { name, topic });
    await this.loadRoom(name);
  }

  /** A page of search hits, newest first (`before`: the `next` of the page before). */
  search(q: string, before?: string): Promise<ResultOf<'chat.search'>> {
    return this.request('chat.search', { q, ...(before === undefined ? {} : { before }) });
  }

  setVisible(visible: boolean): void {
    this.chat.setVisible(visible);
    this.changed(false);
    if (visible) this.#sendRead();
  }

  /**
   * Brings a conversation's history up to date (gap-fill after `log.high`, or the newest page).
   * Once per connection. `probe`: the broker delivered what it queued for this session, so ask
   * for no message (`limit: 0` answers `lastSeq`) and fetch pages only if something is missing.
   */
  catchUp(ref: string, probe = false): Promise<void> {
    const running = this.#catchingUp.get(ref);
    if (running) return running;
    const job = this.#catchUp(ref, probe).finally(() => this.#catchingUp.delete(ref));
    this.#catchingUp.set(ref, job);
    return job;
  }

  async #catchUp(ref: string, probe: boolean): Promise<void> {
    const conv = this.chat.ensure(ref);
    if (conv.fresh && !probe) return;
    try {
      const plan = planCatchUp(conv.log, conv.lastSeq);
      if (plan.kind === 'newest') {
        const page = await this.request('chat.history', { c: ref, limit: PAGE });
        if (conv.log.size > 0) this.chat.resetLog(ref);
        this.chat.addPage(ref, page.messages, page.lastSeq);
      } else {
        await fillAfter(
          conv.log,
          plan.after,
          probe,
          (after, limit) => this.request('chat.history', { c: ref, after, limit }),
          (page) => this.chat.addPage(ref, page.messages, page.lastSeq),
        );
      }
      conv.fresh = true;
      this.historyError.delete(ref);
      this.changed();
      if (conv.log.size < FILL && conv.log.low > 1) await this.loadOlder(ref);
    } catch (err) {
      this.historyError.set(ref, `Could not load the history: ${describe(err)}`);
      this.changed(false);
    }
  }

  /** Older messages exist before what is held (sequence numbers start at 1 and have no holes). */
  hasOlder(ref: string): boolean {
    const conv = this.chat.get(ref);
    return !!conv && conv.log.low > 1;
  }

  async loadOlder(ref: string): Promise<void> {
    const conv = this.chat.get(ref);
    if (!conv || conv.log.low <= 1 || this.loadingOlder.has(ref) || !this.online) return;
    this.loadingOlder.add(ref);
    this.changed(false);
    try {
      const page = await this.request('chat.history', { c: ref, before: conv.log.low, limit: PAGE });
      this.chat.addPage(ref, page.messages, page.lastSeq);
      this.historyError.delete(ref);
    } catch (err) {
      this.historyError.set(ref, `Could not load older messages: ${describe(err)}`);
    } finally {
      this.loadingOlder.delete(ref);
      this.changed();
    }
  }

  #sendRead(): void {
    const target = this.chat.readTarget();
    if (!target || this.#readInFlight || !this.online) return;
    this.#readInFlight = true;
    this.request('chat.read', target)
      .then((r) => {
        this.chat.markRead(target.c, r.s);
        this.changed();
      })
      .catch(() => {})
      .finally(() => {
        this.#readInFlight = false;
        // more may have arrived meanwhile
        const next = this.chat.readTarget();
        if (next && next.s > target.s) this.#sendRead();
      });
  }

  // --- sending -----------------------------------------------------------------------------

  /** Queues a message; returns a problem in words instead when the text breaks the rules. */
  send(ref: string, text: string): string | null {
    const problem = textProblem(text);
    if (problem) return problem[0]!.toUpperCase() + problem.slice(1) + '.';
    this.outbox.add(ref, text.trim());
    this.#typing.reset(ref);
    this.#flush();
    return null;
  }

  retry(id: string): void {
    this.outbox.retry(id);
    this.#flush();
  }

  /** Stops trying to send a message (one on its way may still arrive: a copy may have got through). */
  discard(id: string): void {
    this.#sending.get(id)?.abort(new Error('discarded'));
    this.outbox.discard(id);
  }

  /**
   * Sends queued messages, oldest first, up to SEND_WINDOW at a time, each with its own fixed
   * id. A message on its way waits for its ack however long the link takes — the connection
   * sends it again after every reconnect — and leaves the outbox only with its ack, a refusal
   * or the user's discard.
   */
  #flush(): void {
    clearTimeout(this.#flushTimer);
    while (this.online && !this.#stopped) {
      const item = this.outbox.next(SEND_WINDOW);
      if (!item) break;
      this.outbox.begin(item.id);
      void this.#sendOne(item);
    }
    const wake = this.outbox.wakeAt();
    if (wake !== null && this.online) this.#flushTimer = setTimeout(() => this.#flush(), Math.max(0, wake - this.#now()) + 10);
  }

  async #sendOne(item: OutboxItem): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    const abort = new AbortController();
    this.#sending.set(item.id, abort);
    try {
      const ack = await conn.request('chat.send', { c: item.c, x: item.x }, { id: item.id, timeoutMs: Infinity, signal: abort.signal });
      if (this.outbox.succeeded(item.id)) {
        this.chat.addOwn(item.c, ack.s, ack.at, item.x);
        if (this.#now() - item.at > LATE_MS) {
          this.written.set(`${item.c} ${ack.s}`, item.at);
          if (this.written.size > LATE_KEPT) this.written.delete(this.written.keys().next().value!);
        }
        this.changed();
      }
    } catch (err) {
      if (!abort.signal.aborted) this.outbox.failed(item.id, classifySendError(err, this.outbox.get(item.id)?.attempts ?? 1));
    } finally {
      this.#sending.delete(item.id);
    }
    this.#flush();
  }

  /** Says "typing" at most every 2 s per conversation, and only on a live link (QoS 0 would queue stale ones). */
  typing(ref: string): void {
    const conn = this.#conn;
    if (!conn || !this.online || !this.#typing.take(ref)) return;
    try {
      conn.send('chat.typing', { c: ref });
    } catch {
      // typing is best effort
    }
  }

  // --- the user's own messages, likes --------------------------------------------------------

  async edit(ref: string, s: number, text: string): Promise<void> {
    const problem = textProblem(text);
    if (problem) throw new Error(problem[0]!.toUpperCase() + problem.slice(1) + '.');
    const r = await this.request('chat.edit', { c: ref, s, x: text.trim() });
    this.chat.applyEvent(ref, { t: 'e', s: r.s, x: text.trim(), ed: r.ed });
    this.changed();
  }

  async remove(ref: string, s: number): Promise<void> {
    await this.request('chat.delete', { c: ref, s });
    this.chat.applyEvent(ref, { t: 'd', s });
    this.changed();
  }

  /** Gives (`on`) or takes back your reaction `e` to message `s`; the answer is its reactions now. */
  async react(ref: string, s: number, e: ReactionEmoji, on: boolean): Promise<void> {
    const r = await this.request(on ? 'reaction.add' : 'reaction.remove', { c: ref, s, e });
    this.chat.get(ref)?.log.setReactions(s, r.rx, r.my);
    this.changed();
  }

  /** Who reacted to message `s`: up to 50 names per emoji (reaction.who). */
  whoReacted(ref: string, s: number): Promise<ResultOf<'reaction.who'>> {
    return this.request('reaction.who', { c: ref, s });
  }

  // --- rooms and people ---------------------------------------------------------------------

  /** Every room, all pages (room.list answers 500 at a time). */
  async listRooms(): Promise<ResultOf<'room.list'>> {
    const pages = await readAllPages((after) => this.request('room.list', after === undefined ? {} : { after }));
    return { rooms: pages.flatMap((p) => p.rooms), more: false };
  }

  /** Every user, all pages (user.list answers 500 at a time). */
  async listUsers(): Promise<ResultOf<'user.list'>> {
    const pages = await readAllPages((after) => this.request('user.list', after === undefined ? {} : { after }));
    return { users: pages.flatMap((p) => p.users), more: false };
  }

  /** Creates (private or not, with a topic or not) or joins a room, follows its live topic and opens it. */
  async enterRoom(name: string, create: boolean, options: { private?: boolean; topic?: string } = {}): Promise<string> {
    const parsed = RoomName.safeParse(name);
    if (!parsed.success) throw new Error('A room name has 2–32 characters of a-z 0-9 _ - and starts with a letter or digit.');
    const topic = options.topic?.trim();
    const r = create
      ? await this.request('room.create', { name: parsed.data, ...(options.private ? { private: true } : {}), ...(topic ? { topic } : {}) })
      : await this.request('room.join', { name: parsed.data });
    const conv = this.chat.ensure(r.name);
    conv.member = true;
    conv.lastSeq = Math.max(conv.lastSeq, r.lastSeq);
    // a new member has read nothing; start the marker at the end so the room does not open as "all unread"
    if (conv.readSeq === 0) conv.readSeq = r.lastSeq;
    await this.#followRooms();
    this.open(r.name);
    return r.name;
  }

  async leaveRoom(name: string): Promise<void> {
    await this.request('room.leave', { name });
    this.chat.remove(name);
    await this.#followRooms().catch(() => {});
    this.changed();
  }

  // --- the account ---------------------------------------------------------------------------

  async changePassword(currentPassword: string, newPassword: string): Promise<number> {
    const r = await this.request('auth.passwd', { currentPassword, newPassword, sessionId: this.#deps.session.sessionId });
    return r.revokedSessions;
  }

  /** The security question (never the answer) and how many recovery codes are left. */
  securityStatus(): Promise<ResultOf<'security.get'>> {
    return this.request('security.get', {});
  }

  /** Sets or replaces the security question and its answer (the service checks the current password). */
  setSecurityQuestion(question: string, answer: string, currentPassword: string): Promise<ResultOf<'security.set'>> {
    return this.request('security.set', { question, answer, currentPassword });
  }

  /** A new set of one-time recovery codes, shown once; earlier codes stop working. */
  async newRecoveryCodes(currentPassword: string): Promise<string[]> {
    return (await this.request('recovery.codes', { currentPassword })).codes;
  }

  /** The account's active sessions (devices signed in), this one marked `current`. */
  listSessions(): Promise<ResultOf<'auth.sessions'>> {
    return this.request('auth.sessions', { sessionId: this.#deps.session.sessionId });
  }

  /** This browser's storage (settings kept per user, such as desktop notifications). */
  get kv(): KeyValue {
    return this.#deps.kv;
  }

  /** Names one of the account's sessions (what the Account page lists it as); answers the name as stored. */
  async renameSession(sessionId: string, name: string): Promise<string> {
    return (await this.request('auth.rename', { sessionId, name })).name;
  }

  /** Ends another session of the account; its live connections are closed by the broker. */
  async revokeSession(sessionId: string): Promise<void> {
    if (sessionId === this.#deps.session.sessionId) throw new Error('Use "Sign out" to end this browser’s session.');
    await this.request('auth.revoke', { sessionId });
  }

  /**
   * Signs out: the server revokes the session (when it can be reached), and this browser forgets
   * the token, the history cache and any unsent message.
   */
  async signOut(): Promise<{ revoked: boolean }> {
    let revoked = false;
    if (this.online) {
      try {
        revoked = (await this.request('auth.logout', { sessionId: this.#deps.session.sessionId }, { timeoutMs: 5000 })).revoked;
      } catch {
        revoked = false;
      }
    }
    this.ended = 'signed out';
    await this.stop();
    forgetUser(this.#deps.kv, this.username);
    return { revoked };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
