import { GUEST_ACTIONS, MAX_TOPIC_LEVEL_LENGTH, USER_ACTIONS, operationsOf, topics } from '@tidings/protocol';
import type { RoomReaders } from './room-access.js';

/**
 * Who a connection is, as the broker verified it at CONNECT. The ACL below works on this
 * alone: no payload and no database lookup decides what a client may touch.
 */
export type Identity =
  | { kind: 'guest'; clientId: string }
  | { kind: 'user'; username: string; clientId: string; sessionId: string; /** ms since epoch */ expiresAt: number }
  | { kind: 'service'; service: string; clientId: string };

type Kind = Identity['kind'];
type Of<K extends Kind> = Extract<Identity, { kind: K }>;
type Rules = { [K in Kind]: ReadonlyArray<(identity: Of<K>) => readonly string[]> };

/**
 * The grants, deny by default. Each line is one rule: it names the topic filters an identity may
 * use. A `+` level in a grant lets the client put any one non-empty level there (or `+` itself,
 * when subscribing); a grant never contains `#`. Adding a rule is adding one line.
 */
const PUBLISH: Rules = {
  guest: [(id) => [...GUEST_ACTIONS].map((action) => topics.guestRequest(id.clientId, action))],
  user: [
    // Requests only on its own client id, which is `<username>:<device>` of the verified user.
    (id) => [...USER_ACTIONS].map((action) => topics.userRequest(id.clientId, action)),
    (id) => [topics.devicePresence(id.username, id.clientId)],
  ],
  service: [
    () => [topics.reply('+')],
    (id) => [topics.serviceHealth(id.service)],
    (id) => (REVOKERS.has(id.service) ? [topics.sessionRevoked] : []),
    (id) => (LIVE_WRITERS.has(id.service) ? [topics.room('+'), topics.inbox('+')] : []),
    (id) => (id.service === 'presence' ? [topics.presence('+')] : []),
    // Who may read which private room: the broker's own ACL state, so chat-store alone.
    (id) => (id.service === 'chat-store' ? [topics.roomAccess] : []),
  ],
};

/** Services that revoke sessions: auth (logout, password change) and security-questions (password reset). */
const REVOKERS: ReadonlySet<string> = new Set(['auth', 'security-questions']);

/** Services that publish live conversation events (messages, likes, typing). */
const LIVE_WRITERS: ReadonlySet<string> = new Set(['chat-store', 'likes', 'presence']);

const SUBSCRIBE: Rules = {
  guest: [(id) => [topics.reply(id.clientId)]],
  user: [
    (id) => [topics.reply(id.clientId)],
    (id) => [topics.inbox(id.username)],
    // A room a signed-in user may read (a private room: its members only, see roomReadable);
    // direct conversations go to inboxes only.
    () => [topics.room('+')],
    () => [topics.presenceFilter],
  ],
  service: [
    (id) => (id.service === 'presence' ? [topics.devicePresenceFilter] : []),
    (id) => operationsOf(id.service).map((op) => (op.audience === 'guest' ? topics.guestRequestFilter(op.action) : topics.userRequestFilter(op.action))),
    () => [topics.serviceHealthFilter],
  ],
};

interface Grants {
  publish: string[][];
  subscribe: string[][];
}

const cache = new WeakMap<Identity, Grants>();

function expand(rules: Rules, identity: Identity): string[][] {
  const list = rules[identity.kind] as ReadonlyArray<(identity: Identity) => readonly string[]>;
  return list.flatMap((rule) => rule(identity)).map((grant) => grant.split('/'));
}

/** The grants of one identity, computed once per identity object (one per connection). */
export function grantsOf(identity: Identity): Grants {
  let grants = cache.get(identity);
  if (!grants) {
    grants = { publish: expand(PUBLISH, identity), subscribe: expand(SUBSCRIBE, identity) };
    cache.set(identity, grants);
  }
  return grants;
}

/**
 * True when a topic or filter is well formed for us: not `$…`, no empty level, no level longer
 * than MAX_TOPIC_LEVEL_LENGTH (128) characters and no U+0000 anywhere (MQTT forbids it in topic
 * names and filters; aedes does not check).
 */
function wellFormed(levels: string[]): boolean {
  return levels.length > 0 && !levels[0]!.startsWith('$') && levels.every((l) => l.length > 0 && l.length <= MAX_TOPIC_LEVEL_LENGTH && !l.includes('\u0000'));
}

/** Does one grant allow this filter (or topic)? Levels are compared one by one. */
function covers(grant: string[], levels: string[]): boolean {
  if (grant.length !== levels.length) return false;
  for (let i = 0; i < grant.length; i++) {
    const g = grant[i]!;
    const l = levels[i]!;
    // Callers have already refused `#`, partial wildcards and empty levels.
    if (g !== '+' && g !== l) return false;
  }
  return true;
}

function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/** May this identity publish on this topic? Publish topics never hold wildcards. */
export function canPublish(identity: Identity, topic: string): boolean {
  if (hasWildcard(topic)) return false;
  const levels = topic.split('/');
  if (!wellFormed(levels)) return false;
  return grantsOf(identity).publish.some((grant) => covers(grant, levels));
}

const ROOM_LEVELS = topics.room('').split('/').slice(0, -1);

/** Is this `t/room/<one level>`? */
function isRoomTopic(levels: string[]): boolean {
  return levels.length === ROOM_LEVELS.length + 1 && ROOM_LEVELS.every((l, i) => levels[i] === l);
}

/**
 * A user's room filter, past the grants: one named room that is public or has the user as a
 * member. `t/room/+` is refused. With private rooms it would name rooms the user may not read;
 * the delivery check would filter those packet by packet, but the subscribe check is the first
 * of two walls and a wildcard would leave only the second — and no client needs it: the web app
 * and the CLI subscribe to each room by name (and a user following every public room would
 * be sent every room's traffic). docs/decisions.md, "Private rooms: the broker holds who may read".
 */
function roomReadable(identity: Identity, levels: string[], rooms: RoomReaders): boolean {
  if (identity.kind !== 'user' || !isRoomTopic(levels)) return true;
  const room = levels[ROOM_LEVELS.length]!;
  return room !== '+' && rooms.mayRead(room, identity.username);
}

/**
 * May this identity subscribe to this filter? `#` and `$SYS/#` are granted to nobody. `rooms`
 * says who may read which private room (the broker's in-memory RoomAccess: no database read).
 */
export function canSubscribe(identity: Identity, filter: string, rooms: RoomReaders): boolean {
  const levels = filter.split('/');
  if (!wellFormed(levels)) return false;
  if (levels.some((l) => (l.includes('+') && l !== '+') || l.includes('#'))) return false;
  return grantsOf(identity).subscribe.some((grant) => covers(grant, levels)) && roomReadable(identity, levels, rooms);
}

/**
 * May a message on this topic be delivered to this identity? The same grants as subscribing,
 * applied to the concrete topic, with the private rooms as they are now. The broker checks it
 * again at every delivery so nothing reaches a client through a path that skipped the subscribe
 * check or that a later change closed: messages queued for an offline persistent session, a
 * subscription restored with a session, a subscription made before its member was removed
 * from a private room.
 */
export function canReceive(identity: Identity, topic: string, rooms: RoomReaders): boolean {
  if (hasWildcard(topic)) return false;
  return canSubscribe(identity, topic, rooms);
}

/**
 * Services may leave retained messages (health, presence); a signed-in device only its own
 * presence (`1`, and `0` as its last will). Everyone else publishes with retain=false.
 */
export function canRetain(identity: Identity, topic: string): boolean {
  if (identity.kind === 'service') return true;
  return identity.kind === 'user' && topic === topics.devicePresence(identity.username, identity.clientId);
}

/** The one payload a device may leave as its last will on its own device topic. */
export const DEVICE_WILL_PAYLOAD = '0';

/**
 * May this identity leave this last will? A will is published by the broker after the
 * connection is gone — after a revocation too, were it not cleared then — so it gets only what a
 * client needs: a guest none, a signed-in device `0` (retain allowed) on its own device topic,
 * a service what it may publish (its retained `down` health). A will on a request topic would be
 * a request sent by nobody in particular, after the fact.
 */
export function canWill(identity: Identity, will: { topic: string; payload: Buffer; retain: boolean }): boolean {
  switch (identity.kind) {
    case 'guest':
      return false;
    case 'user':
      return will.topic === topics.devicePresence(identity.username, identity.clientId) && will.payload.toString('latin1') === DEVICE_WILL_PAYLOAD;
    case 'service':
      return canPublish(identity, will.topic) && (!will.retain || canRetain(identity, will.topic));
  }
}

/**
 * Is this what a signed-in device may publish on its own device topic? Only `1` (connected) and
 * `0` (going away): anything else would be kept by the broker as a retained message nobody reads.
 */
export function isDevicePresencePayload(payload: Buffer): boolean {
  return payload.length === 1 && (payload[0] === 0x31 || payload[0] === 0x30);
}

/** Is this topic the identity's own device topic (the one place a signed-in client retains)? */
export function isOwnDeviceTopic(identity: Identity, topic: string): boolean {
  return identity.kind === 'user' && topic === topics.devicePresence(identity.username, identity.clientId);
}
