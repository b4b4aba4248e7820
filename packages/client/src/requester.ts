import { AnyReply, TidingsError, operations, topics, type Action, type RequestOf, type ResultOf } from '@tidings/protocol';
import type { IConnackPacket, MqttClient, Packet } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { randomId } from './ids.js';
import { RttEstimator } from './rtt.js';

export type Identity = { kind: 'guest'; clientId: string } | { kind: 'user'; username: string; clientId: string };

/** How long a request waits for its reply by default before the caller is told "not confirmed yet". */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The longest pause between two copies of a request on one connection. */
const MAX_RESEND_MS = 60_000;
/**
 * At most this many requests follow CONNECT before CONNACK; the rest go once it comes. A broker
 * queues only so many packets before CONNACK (aedes' queueLimit, ours 42) and drops a client
 * that sends more.
 */
const EARLY_MAX = 32;

export interface RequestOptions {
  /**
   * Stop waiting after this long without a reply (default 30 s; `Infinity` waits until the
   * connection is closed or `signal` aborts). The promise then rejects with a
   * {@link NotConfirmedError}: the request may still have been handled, and may still be.
   */
  timeoutMs?: number;
  /**
   * The correlation id to send (default: a fresh random one). For `chat.send` it is also the
   * idempotency key: a retry after a lost ack must reuse the first attempt's id.
   */
  id?: string;
  /** Stop waiting (and sending copies) when this aborts; the promise rejects with its reason. */
  signal?: AbortSignal;
}

/**
 * No reply came within the caller's time: the request was sent (perhaps several times, always
 * with the same id) and may have been handled, or may still be. Never a "failed": the caller
 * keeps the request pending or tells the user it is not confirmed yet. Code `UNAVAILABLE`.
 */
export class NotConfirmedError extends TidingsError {
  readonly notConfirmed = true;
  /** Whether any copy of the request left this client (false: the link was down the whole time). */
  readonly sent: boolean;

  constructor(message: string, sent: boolean) {
    super('UNAVAILABLE', message);
    this.sent = sent;
  }
}

export function isNotConfirmed(err: unknown): err is NotConfirmedError {
  return err instanceof NotConfirmedError;
}

interface Waiter {
  resolve: (data: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  detach: () => void;
}

/** One request id in flight: everyone waiting on it, and how it has been sent so far. */
interface Pending {
  readonly id: string;
  readonly action: Action;
  readonly topic: string;
  readonly payload: string;
  readonly waiters: Set<Waiter>;
  /** Copies sent, in all. */
  sends: number;
  /** A copy went out on a connection the broker accepted (not only after a CONNECT that failed). */
  leftClient: boolean;
  /** When the last copy was sent (performance.now()), for the RTT sample of a single copy. */
  sentAt: number;
  /** The connection (generation) the last copy went out on, and how many went on it. */
  conn: number;
  connSends: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Request/reply over MQTT: publishes `{id, ...body}` on the caller's own request topic and
 * resolves with the reply that carries the same id on the caller's private reply topic.
 *
 * Built for bad links. A request is published at QoS 0 and mqtt.js keeps no copy of it: this
 * class is the only place a request waits, so nothing stale piles up in mqtt.js's outgoing
 * store to be replayed one PUBACK round trip at a time after a reconnect (MQTT.js #1086). On
 * every (re)connect each request still waiting goes out again at once, same id — services
 * answer a repeated id with the first answer (chat.send by its idempotency key, other actions
 * from the dispatcher's reply cache, reads by reading again). On one connection TCP delivers
 * what was written unless the link breaks, so a copy on the same connection only helps when a
 * service lost the request (it was restarting): those go after 2, 4, 8 … × the measured RTO.
 */
export class Requester {
  readonly #client: MqttClient;
  readonly #identity: Identity;
  readonly #pending = new Map<string, Pending>();
  readonly rtt: RttEstimator;
  #subscribed: Promise<unknown> | undefined;
  /** The reply topic is subscribed: requests may go out. */
  #ready = false;
  /** Connection generation: grows with every CONNECT sent. */
  #conn = 0;
  #pingSentAt: number | undefined;

  readonly #onSent: () => void;

  /** `onSent`: told after each copy goes out (the liveness check expects an answer then). */
  constructor(client: MqttClient, identity: Identity, rtt: RttEstimator = new RttEstimator(), onSent: () => void = () => {}) {
    this.#client = client;
    this.#identity = identity;
    this.rtt = rtt;
    this.#onSent = onSent;
    const replyTopic = topics.reply(identity.clientId);
    client.on('message', (topic, payload) => {
      if (topic === replyTopic) this.#onReply(payload);
    });
    // A new connection: CONNECT has just gone out. MQTT lets a client send on without waiting for
    // CONNACK (the broker queues what comes before it), so once the reply topic is known to be
    // in the session, every waiting request follows CONNECT at once, a round trip earlier.
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd === 'pingreq') this.#pingSentAt = performance.now();
      if (packet.cmd !== 'connect') return;
      this.#conn++;
      if (this.#ready && this.#identity.kind === 'user') queueMicrotask(() => this.#transmitAll(true));
    });
    client.on('connect', (connack: IConnackPacket) => {
      this.#pingSentAt = undefined;
      // What followed CONNECT went out on a connection the broker took.
      for (const p of this.#pending.values()) if (p.conn === this.#conn && p.sends > 0) p.leftClient = true;
      if (this.#ready && connack.sessionPresent) {
        this.#transmitAll(); // those not sent before CONNACK (none, unless they came meanwhile)
        return;
      }
      // Without the session the reply topic must be subscribed again before anything is asked.
      this.#ready = false;
      this.#subscribed = undefined;
      void this.ready().catch(() => {});
    });
    // MQTT keepalive pings are clean RTT samples (nothing else is waited for).
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'pingresp' && this.#pingSentAt !== undefined) {
        this.rtt.sample(performance.now() - this.#pingSentAt);
        this.#pingSentAt = undefined;
      }
    });
  }

  get identity(): Identity {
    return this.#identity;
  }

  /** Requests waiting for their reply. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Subscribes to the reply topic, at QoS 0: a reply lost with a dropped link is asked for again
   * by the copy sent on the next connection, so the broker need not queue stale replies. Once
   * it succeeds the broker keeps it for a persistent session; a failure is tried again later.
   */
  ready(): Promise<unknown> {
    // A user's persistent session that the broker kept already holds the reply topic: this
    // client subscribes to it before asking anything, every time it has no session.
    // (mqtt.js keeps the last CONNACK as `connackPacket`; its typings call the field private.)
    const connack = (this.#client as unknown as { connackPacket?: IConnackPacket }).connackPacket;
    if (this.#identity.kind === 'user' && this.#client.connected && connack?.sessionPresent === true) {
      this.#ready = true;
      this.#subscribed ??= Promise.resolve();
      this.#transmitAll();
      return this.#subscribed;
    }
    this.#subscribed ??= this.#client.subscribeAsync(topics.reply(this.#identity.clientId), { qos: 0 }).then(
      (granted) => {
        this.#ready = true;
        // On this connection from now on: copies sent before CONNACK had no reply topic yet.
        this.#transmitAll(false, true);
        return granted;
      },
      (err: unknown) => {
        this.#subscribed = undefined;
        throw err;
      },
    );
    return this.#subscribed;
  }

  async request<A extends Action>(action: A, body: Omit<RequestOf<A>, 'id'>, options: RequestOptions = {}): Promise<ResultOf<A>> {
    const op = operations[action];
    const identity = this.#identity;
    if (op.reply === false) throw new TidingsError('BAD_REQUEST', `${action} has no reply: use send()`);
    if (op.audience !== identity.kind) {
      throw new TidingsError('FORBIDDEN', `${action} is for ${op.audience === 'guest' ? 'guests (sign out first)' : 'signed-in users'}`);
    }
    options.signal?.throwIfAborted();
    const id = options.id ?? randomId(12);
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let pending = this.#pending.get(id);
    const fresh = pending === undefined;
    if (!pending) {
      const topic = identity.kind === 'guest' ? topics.guestRequest(identity.clientId, action) : topics.userRequest(identity.clientId, action);
      pending = {
        id,
        action,
        topic,
        payload: JSON.stringify({ ...body, id }),
        waiters: new Set(),
        sends: 0,
        leftClient: false,
        sentAt: 0,
        conn: -1,
        connSends: 0,
        timer: undefined,
      };
      this.#pending.set(id, pending);
    }
    const p = pending;
    const result = new Promise<unknown>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined, detach: () => {} };
      const leave = (err: Error) => {
        waiter.detach();
        p.waiters.delete(waiter);
        if (p.waiters.size === 0 && this.#pending.get(id) === p) {
          clearTimeout(p.timer);
          this.#pending.delete(id);
        }
        reject(err);
      };
      if (Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(() => leave(this.#notConfirmed(p, timeoutMs)), timeoutMs);
      }
      const signal = options.signal;
      if (signal) {
        const onAbort = () => leave(signal.reason instanceof Error ? signal.reason : new TidingsError('UNAVAILABLE', `${action} was abandoned`));
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener('abort', onAbort);
      }
      p.waiters.add(waiter);
    });
    // A second request with an id already in flight joins it: no second copy now. Before the
    // reply topic is subscribed nothing goes out: ready() sends everything waiting once it is.
    if (fresh && this.#ready) this.#transmit(p);
    else if (!this.#ready && this.#client.connected) void this.ready().catch(() => {});
    return result as Promise<ResultOf<A>>;
  }

  /** Fire-and-forget actions (typing): published at QoS 0, never answered, dropped while offline. */
  send<A extends Action>(action: A, body: RequestOf<A>): void {
    const identity = this.#identity;
    if (identity.kind !== 'user' || operations[action].reply !== false) throw new TidingsError('BAD_REQUEST', `${action} expects a reply: use request()`);
    if (!this.#client.connected) return;
    this.#client.publish(topics.userRequest(identity.clientId, action), JSON.stringify(body), { qos: 0 });
  }

  /** Fails every request still waiting (on close). */
  cancelAll(reason = 'connection closed'): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, new TidingsError('UNAVAILABLE', reason));
  }

  /** `early`: right after CONNECT, before CONNACK. `again`: even if a copy went on this connection. */
  #transmitAll(early = false, again = false): void {
    let n = 0;
    for (const p of this.#pending.values()) {
      if (p.conn === this.#conn && !again) continue; // already on this connection
      if (early && ++n > EARLY_MAX) break;
      this.#transmit(p, early);
    }
  }

  /** Sends one copy now if connected (else it goes at the next connect), and arms the next. */
  #transmit(p: Pending, early = false): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (!this.#ready || (!early && !this.#client.connected) || this.#pending.get(p.id) !== p) return;
    if (p.conn !== this.#conn) {
      p.conn = this.#conn;
      p.connSends = 0;
    }
    p.connSends++;
    p.sends++;
    p.sentAt = performance.now();
    if (early) {
      // mqtt.js sends nothing before CONNACK: write the QoS 0 PUBLISH itself (a QoS 0 publish
      // has no state for mqtt.js to keep).
      const stream = this.#client.stream as Parameters<typeof mqttPacket.writeToStream>[1] | undefined;
      if (!stream) return;
      mqttPacket.writeToStream({ cmd: 'publish', topic: p.topic, payload: p.payload, qos: 0, retain: false, dup: false }, stream, { protocolVersion: 4 });
    } else {
      this.#client.publish(p.topic, p.payload, { qos: 0 });
      p.leftClient = true;
    }
    this.#onSent();
    const wait = Math.min(MAX_RESEND_MS, this.rtt.rto * 2 ** p.connSends);
    p.timer = setTimeout(() => this.#transmit(p), wait);
  }

  #notConfirmed(p: Pending, timeoutMs: number): NotConfirmedError {
    const seconds = Math.round(timeoutMs / 1000);
    if (!p.leftClient) return new NotConfirmedError(`${p.action} was not sent within ${seconds} s: no connection to the broker`, false);
    return new NotConfirmedError(
      `no reply to ${p.action} within ${seconds} s (sent ${p.sends === 1 ? 'once' : `${p.sends} times`}, same id): not confirmed yet — it may still be handled`,
      true,
    );
  }

  #settle(id: string, outcome: Error | { data: unknown }): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    for (const w of p.waiters) {
      clearTimeout(w.timer);
      w.detach();
      if (outcome instanceof Error) w.reject(outcome);
      else w.resolve(outcome.data);
    }
  }

  #onReply(payload: Uint8Array): void {
    let reply: AnyReply;
    try {
      reply = AnyReply.parse(JSON.parse(new TextDecoder().decode(payload)));
    } catch {
      return; // not a reply we can read; nothing waits on it
    }
    if (reply.id === null) return;
    const p = this.#pending.get(reply.id);
    if (!p) return; // a late copy's answer, or nobody waits any more
    // Karn's rule: only a request sent once gives a clean round-trip sample.
    if (p.sends === 1) this.rtt.sample(performance.now() - p.sentAt);
    if ('e' in reply) {
      const { code, message, retryAfter } = reply.e;
      this.#settle(reply.id, new TidingsError(code, message, retryAfter === undefined ? {} : { retryAfter }));
      return;
    }
    const parsed = operations[p.action].result.safeParse(reply.r);
    this.#settle(reply.id, parsed.success ? { data: parsed.data } : new TidingsError('INTERNAL', `malformed ${p.action} reply from the service`));
  }
}
