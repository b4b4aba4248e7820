import type { Connection } from '@tidings/client';
import { ConversationEvent, PresenceEvent, TidingsError, parseRef, parseTopic, topics } from '@tidings/protocol';
import type { IConnackPacket, IPublishPacket } from 'mqtt';
import type { SignalSource } from '../command.js';
import { WatchCore, type WatchEvent } from './watch-core.js';

export interface WatchOptions {
  /** The conversation ref (`general`, `@bob`). */
  c: string;
  /** The signed-in user. */
  me: string;
  /** Size of the page printed first. */
  limit: number;
  emit(event: WatchEvent): void;
  /** A line for people (stderr): problems the watch recovers from by itself. */
  notice(text: string): void;
  signals: SignalSource;
  /** Stop after this long (ms) of watching; default: until a signal. */
  forMs?: number;
  /** How long a presence change must last to be reported (ms); see WatchCore. */
  presenceDelayMs?: number;
  /** false: follow and report no presence (`--no-presence`). */
  presence?: boolean;
}

export interface WatchSummary {
  c: string;
  /** The last message printed: everything up to it was printed once, in order. */
  high: number;
  lastSeq: number;
}

/** How long leaving may wait for the broker to confirm the unsubscription. */
const UNSUBSCRIBE_WAIT_MS = 2_000;
/** After a gap-fill failed on a live link (a service not answering), try again after this long. */
const FILL_RETRY_MS = 5_000;

/**
 * Follows one conversation on an open connection until a signal, `forMs`, or a refusal of the
 * session: subscribes to its live topic (the room's, or the user's inbox for `@user`), prints the
 * newest page, then every event; after the link comes back it fills the gap from history (see
 * WatchCore). Leaves by unsubscribing, so the broker does not queue events for a watch that is
 * not running; the caller closes the connection.
 */
export async function watchConversation(conn: Connection, o: WatchOptions): Promise<WatchSummary> {
  const client = conn.client;
  const ref = parseRef(o.c);
  const liveTopic = ref.kind === 'room' ? topics.room(ref.name) : topics.inbox(o.me);
  const inbox = topics.inbox(o.me);
  // The inbox too, for a room: it says when someone mentions you in another conversation.
  const held = new Set<string>([liveTopic, inbox]);
  let retryTimer: NodeJS.Timeout | undefined;

  const core = new WatchCore({
    c: o.c,
    me: o.me,
    fetchAfter: (after, limit) => conn.request('chat.history', { c: o.c, after, limit }),
    emit: (event) => o.emit(event),
    ...(o.presenceDelayMs !== undefined ? { presenceDelayMs: o.presenceDelayMs } : {}),
    presence: o.presence !== false,
    onParticipant: (username) => {
      if (o.presence === false) return;
      const topic = topics.presence(username);
      if (held.has(topic)) return;
      held.add(topic);
      client.subscribe(topic, { qos: 1 }, () => {});
    },
    onFillError: (err) => {
      o.notice(`could not fetch the messages missed (${err instanceof Error ? err.message : String(err)}): trying again`);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        if (client.connected) void core.fill();
      }, FILL_RETRY_MS);
    },
  });

  const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket) => {
    if (topic === liveTopic || topic === inbox) {
      const event = ConversationEvent.safeParse(parseJson(payload));
      if (!event.success) return;
      if (event.data.t === 'mb') {
        // You left on another device, or a moderator added or removed you.
        if (event.data.c === o.c) o.emit({ type: 'membership', c: o.c, on: event.data.on });
        return;
      }
      if (event.data.t === 'mn') {
        // A mention here shows as the message itself; one elsewhere gets a line of its own.
        if (event.data.c !== o.c) o.emit({ type: 'mention', c: event.data.c, s: event.data.s, u: event.data.u });
        return;
      }
      if (topic !== liveTopic) return;
      // The inbox carries every direct conversation (and sync events): keep this one's.
      if (ref.kind === 'dm' && event.data.c !== o.c) return;
      core.live(event.data);
      return;
    }
    const parsed = parseTopic(topic);
    if (parsed?.kind === 'presence') {
      const presence = PresenceEvent.safeParse(parseJson(payload));
      if (presence.success) core.presence(parsed.username, presence.data, packet.retain);
    }
  };
  client.on('message', onMessage);

  let lost = false;
  const onClose = () => {
    if (lost) return;
    lost = true;
    o.emit({ type: 'connection', state: 'lost' });
  };
  // Every `connect` from here on is a reconnect: the first happened before the watch began.
  const onConnect = (connack: IConnackPacket) => {
    if (lost) {
      lost = false;
      o.emit({ type: 'connection', state: 'restored' });
    }
    // With the session, the broker delivers what it queued for us: only check that nothing is
    // missing. Without it (a broker restarted without persistence) the subscriptions are gone:
    // make them again before asking for everything that was missed.
    if (connack.sessionPresent) {
      void core.fill({ probe: true });
      return;
    }
    client.subscribeAsync([...held], { qos: 1 }).then(
      () => core.fill(),
      () => core.fill(),
    );
  };

  let fail: (err: Error) => void = () => {};
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve, reject) => {
    stop = resolve;
    fail = reject;
  });
  stopped.catch(() => {}); // awaited below; a refusal before then must not count as unhandled
  const onError = (err: Error & { code?: number | string }) => {
    // The broker refused the session on a reconnect (expired, signed out, revoked): no retry can help.
    if (err.code === 4 || err.code === 5) {
      fail(new TidingsError('UNAUTHORIZED', 'the broker refused the session', { cause: err }));
    }
  };
  client.on('close', onClose);
  client.on('connect', onConnect);
  client.on('error', onError);
  const onSignal = () => stop();
  o.signals.on('SIGINT', onSignal);
  o.signals.on('SIGTERM', onSignal);
  let timer: NodeJS.Timeout | undefined;

  try {
    const [granted] = await client.subscribeAsync([...held], { qos: 1 });
    if (!granted || granted.qos === 128) throw new TidingsError('FORBIDDEN', `the broker does not let you follow ${o.c}`);
    if (ref.kind === 'dm') core.addParticipant(ref.username);
    const page = await conn.request('chat.history', { c: o.c, limit: o.limit });
    core.start(page);
    if (o.forMs !== undefined) timer = setTimeout(stop, o.forMs);
    await stopped;
    return { c: o.c, high: core.printed, lastSeq: core.lastSeq };
  } finally {
    core.stop();
    clearTimeout(timer);
    clearTimeout(retryTimer);
    client.off('message', onMessage);
    client.off('close', onClose);
    client.off('connect', onConnect);
    client.off('error', onError);
    // A second Ctrl-C while leaving: stop waiting for the broker.
    let hurry: () => void = () => {};
    const hurried = new Promise<void>((resolve) => (hurry = resolve));
    o.signals.off('SIGINT', onSignal);
    o.signals.off('SIGTERM', onSignal);
    o.signals.on('SIGINT', hurry);
    o.signals.on('SIGTERM', hurry);
    if (client.connected) {
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([
        client.unsubscribeAsync([...held]).catch(() => undefined),
        hurried,
        new Promise<void>((resolve) => (wait = setTimeout(resolve, UNSUBSCRIBE_WAIT_MS))),
      ]);
      clearTimeout(wait);
    }
    o.signals.off('SIGINT', hurry);
    o.signals.off('SIGTERM', hurry);
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}
