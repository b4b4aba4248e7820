import {
  AnyReply,
  TidingsError,
  operations,
  topics,
  type Action,
  type RequestOf,
  type ResultOf,
} from '@tidings/protocol';
import type { MqttClient } from 'mqtt';
import { randomId } from './ids.js';

export type Identity = { kind: 'guest'; clientId: string } | { kind: 'user'; username: string; clientId: string };

export interface RequestOptions {
  /** Give up waiting for the reply after this long (default 10 s). The request may still have been handled. */
  timeoutMs?: number;
  /**
   * The correlation id to send (default: a fresh random one). For `chat.send` it is also the
   * idempotency key: a retry after a lost ack must reuse the first attempt's id.
   */
  id?: string;
}

interface Waiter {
  resolve: (data: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Everyone waiting on one correlation id: a retry with the same id while the first is pending joins it. */
interface Pending {
  action: Action;
  waiters: Waiter[];
}

/**
 * Request/reply over MQTT: publishes `{id, ...body}` on the caller's own request topic and
 * resolves with the reply that carries the same id on the caller's private reply topic.
 */
export class Requester {
  readonly #client: MqttClient;
  readonly #identity: Identity;
  readonly #pending = new Map<string, Pending>();
  #subscribed: Promise<unknown> | undefined;

  constructor(client: MqttClient, identity: Identity) {
    this.#client = client;
    this.#identity = identity;
    const replyTopic = topics.reply(identity.clientId);
    client.on('message', (topic, payload) => {
      if (topic === replyTopic) this.#onReply(payload);
    });
  }

  get identity(): Identity {
    return this.#identity;
  }

  /** Subscribes to the reply topic (once; the broker keeps it across reconnects of a persistent session). */
  ready(): Promise<unknown> {
    this.#subscribed ??= this.#client.subscribeAsync(topics.reply(this.#identity.clientId), { qos: 1 });
    return this.#subscribed;
  }

  async request<A extends Action>(action: A, body: Omit<RequestOf<A>, 'id'>, options: RequestOptions = {}): Promise<ResultOf<A>> {
    const op = operations[action];
    const identity = this.#identity;
    if (op.reply === false) throw new TidingsError('BAD_REQUEST', `${action} has no reply: use send()`);
    if (op.audience !== identity.kind) {
      throw new TidingsError('FORBIDDEN', `${action} is for ${op.audience === 'guest' ? 'guests (sign out first)' : 'signed-in users'}`);
    }
    await this.ready();
    const id = options.id ?? randomId(12);
    const topic =
      identity.kind === 'guest'
        ? topics.guestRequest(identity.clientId, action)
        : topics.userRequest(identity.clientId, action);
    const result = new Promise<unknown>((resolve, reject) => {
      const pending = this.#pending.get(id) ?? { action, waiters: [] };
      this.#pending.set(id, pending);
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          pending.waiters = pending.waiters.filter((w) => w !== waiter);
          if (pending.waiters.length === 0 && this.#pending.get(id) === pending) this.#pending.delete(id);
          reject(new TidingsError('UNAVAILABLE', `no reply to ${action} within ${Math.round((options.timeoutMs ?? 10_000) / 1000)} s`));
        }, options.timeoutMs ?? 10_000),
      };
      pending.waiters.push(waiter);
    });
    this.#client.publish(topic, JSON.stringify({ ...body, id }), { qos: 1 }, (err) => {
      if (err) this.#settle(id, new TidingsError('UNAVAILABLE', `could not send ${action}: ${err.message}`, { cause: err }));
    });
    return result as Promise<ResultOf<A>>;
  }

  /** Fire-and-forget actions (typing): published at QoS 0, never answered. */
  send<A extends Action>(action: A, body: RequestOf<A>): void {
    const identity = this.#identity;
    if (identity.kind !== 'user' || operations[action].reply !== false) throw new TidingsError('BAD_REQUEST', `${action} expects a reply: use request()`);
    this.#client.publish(topics.userRequest(identity.clientId, action), JSON.stringify(body), { qos: 0 });
  }

  /** Fails every request still waiting (on close). */
  cancelAll(reason = 'connection closed'): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, new TidingsError('UNAVAILABLE', reason));
  }

  #settle(id: string, outcome: Error | { data: unknown }): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    for (const w of p.waiters) {
      clearTimeout(w.timer);
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
    if (!p) return;
    if ('e' in reply) {
      const { code, message, retryAfter } = reply.e;
      this.#settle(reply.id, new TidingsError(code, message, retryAfter === undefined ? {} : { retryAfter }));
      return;
    }
    const parsed = operations[p.action].result.safeParse(reply.r);
    this.#settle(
      reply.id,
      parsed.success ? { data: parsed.data } : new TidingsError('INTERNAL', `malformed ${p.action} reply from the service`),
    );
  }
}
