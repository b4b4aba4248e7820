import type { Database } from '@tidings/db';
import { dmRef, parseRef, topics, type ConversationEvent, type ParsedRequestOf } from '@tidings/protocol';
import type { HandlerContext, Logger } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import type { PresenceSettings } from './settings.js';

type LimiterSettings = Pick<PresenceSettings, 'typingIntervalMs' | 'typingPerUserMax' | 'maxTrackedKeys'>;

/**
 * The typing rate limit. At most one event per (user, conversation) per `typingIntervalMs`
 * (typing is a state, not a stream: one event every interval says it all), and at most
 * `typingPerUserMax` events per user per interval over all conversations, which bounds the
 * database look-ups one user can cause. Both maps are kept in insertion order and pruned from
 * the oldest end, so memory stays bounded by `maxTrackedKeys` each.
 */
export class TypingLimiter {
  readonly #settings: LimiterSettings;
  readonly #now: () => number;
  /** `<user> <conversation>` → when its last event was let through. */
  readonly #pairs = new Map<string, number>();
  /** user → the window its count runs in. */
  readonly #users = new Map<string, { start: number; count: number }>();

  constructor(settings: LimiterSettings, now: () => number) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Takes a slot for `username` typing in `ref`; false: drop this event. */
  take(username: string, ref: string): boolean {
    const t = this.#now();
    const interval = this.#settings.typingIntervalMs;
    this.#prune(t);
    const key = `${username} ${ref}`;
    const last = this.#pairs.get(key);
    if (last !== undefined && t - last < interval) return false;
    let window = this.#users.get(username);
    if (!window || t - window.start >= interval) {
      this.#users.delete(username);
      window = { start: t, count: 0 };
      this.#users.set(username, window);
    }
    if (window.count >= this.#settings.typingPerUserMax) return false;
    window.count++;
    this.#pairs.delete(key);
    this.#pairs.set(key, t);
    return true;
  }

  get size(): number {
    return this.#pairs.size;
  }

  #prune(t: number): void {
    const interval = this.#settings.typingIntervalMs;
    const max = this.#settings.maxTrackedKeys;
    for (const [key, at] of this.#pairs) {
      if (t - at < interval && this.#pairs.size < max) break;
      this.#pairs.delete(key);
    }
    for (const [user, window] of this.#users) {
      if (t - window.start < interval && this.#users.size < max) break;
      this.#users.delete(user);
    }
  }
}

export interface TypingDeps {
  client: MqttClient;
  db: Database;
  logger: Logger;
  limiter: TypingLimiter;
}

/**
 * The chat.typing handler (one-way: nothing is ever replied). The caller is the user the broker
 * verified (from the topic). A room's typing goes to `t/room/<name>` when the caller is a
 * member — public or private room alike, so a private room's non-member is dropped like anyone
 * outside a room. Membership is read from the database for every event that passes the rate
 * limit, never cached: a member who leaves or is kicked or banned is not relayed from the next
 * event on (the limiter bounds these look-ups per user); a direct conversation's to the other user's inbox, naming the caller as `@<caller>`.
 * Always QoS 0 and never retained or stored. Anything else is dropped silently.
 */
export function typingHandler(deps: TypingDeps): (request: ParsedRequestOf<'chat.typing'>, ctx: HandlerContext) => Promise<void> {
  const { client, db, limiter } = deps;
  const relay = (topic: string, event: ConversationEvent) => client.publishAsync(topic, JSON.stringify(event), { qos: 0, retain: false }).then(() => undefined);

  return async (request, ctx) => {
    if (ctx.caller.kind !== 'user') return;
    const me = ctx.caller.username;
    const ref = request.c;
    const log = ctx.logger;
    if (!limiter.take(me, ref)) {
      log.debug({ c: ref }, 'typing dropped: rate-limited');
      return;
    }
    const target = parseRef(ref);
    if (target.kind === 'room') {
      const member = await db.prisma.membership.findFirst({
        where: { conversation: { kind: 'room', name: target.name }, user: { username: me } },
        select: { userId: true },
      });
      if (!member) {
        log.debug({ c: ref }, 'typing dropped: no such room, or not a member');
        return;
      }
      await relay(topics.room(target.name), { t: 'ty', u: me });
    } else {
      if (target.username === me) {
        log.debug({ c: ref }, 'typing dropped: a conversation with oneself');
        return;
      }
      const other = await db.prisma.user.findUnique({ where: { username: target.username }, select: { id: true } });
      if (!other) {
        log.debug({ c: ref }, 'typing dropped: no such user');
        return;
      }
      await relay(topics.inbox(target.username), { t: 'ty', u: me, c: dmRef(me) });
    }
    log.debug({ c: ref }, 'typing relayed');
  };
}
