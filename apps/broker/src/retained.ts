import { Readable } from 'node:stream';
import * as aedesPersistence from 'aedes-persistence';
import type { AedesPersistence } from 'aedes-persistence';

/** The CommonJS export of aedes-persistence is its factory (its typings call it the default export). */
const memory = (aedesPersistence as unknown as { default: () => AedesPersistence }).default;

/** A retained PUBLISH as aedes stores it. */
export interface Packet {
  topic: string;
  payload: Buffer;
  [key: string]: unknown;
}

/**
 * Retained messages indexed by topic level, for aedes' in-memory persistence.
 *
 * aedes-persistence answers "which retained messages match this filter?" by testing the filter
 * against every retained topic, on every SUBSCRIBE. Every signed-in device keeps a retained
 * presence message (`t/d/<user>/<clientId>`), so with n devices connected each subscription
 * costs n tests and connecting n devices costs n²: at 10,000 devices the broker spent most of
 * its time there and connects slowed from 130/s to 54/s. Here retained messages also live in a
 * tree of topic levels, and a filter walks only the branches it can match: an exact topic is a
 * lookup, `t/p/+` visits the children of `t/p`.
 *
 * Matching is the same as aedes-persistence's (qlobber with `+`, `#` and `/`): `+` matches one
 * non-empty level, `#` zero or more levels (so `a/#` matches `a`). Everything else — storing,
 * sessions, queues, wills — is the stock memory persistence, which still keeps its own copy.
 */

interface Node {
  children: Map<string, Node>;
  packet?: Packet;
}

export class RetainedIndex {
  readonly #root: Node = { children: new Map() };
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Stores a retained message; an empty payload deletes the topic's retained message. */
  store(packet: Packet): void {
    const levels = packet.topic.split('/');
    if (packet.payload.length === 0) {
      this.#delete(this.#root, levels, 0);
      return;
    }
    let node = this.#root;
    for (const level of levels) {
      let next = node.children.get(level);
      if (!next) node.children.set(level, (next = { children: new Map() }));
      node = next;
    }
    if (!node.packet) this.#size++;
    node.packet = { ...packet };
  }

  /** The retained messages matching any of the filters (each once, even when several filters match it). */
  *match(filters: readonly string[]): Generator<Packet> {
    if (filters.length === 1) {
      yield* this.#walk(this.#root, filters[0]!.split('/'), 0);
      return;
    }
    const seen = new Set<Packet>();
    for (const filter of filters) {
      for (const packet of this.#walk(this.#root, filter.split('/'), 0)) {
        if (seen.has(packet)) continue;
        seen.add(packet);
        yield packet;
      }
    }
  }

  *#walk(node: Node, levels: string[], i: number): Generator<Packet> {
    if (i === levels.length) {
      if (node.packet) yield node.packet;
      return;
    }
    const level = levels[i]!;
    if (level === '#') {
      yield* this.#all(node);
      return;
    }
    if (level === '+') {
      for (const [name, child] of node.children) if (name !== '') yield* this.#walk(child, levels, i + 1);
      return;
    }
    const child = node.children.get(level);
    if (child) yield* this.#walk(child, levels, i + 1);
  }

  *#all(node: Node): Generator<Packet> {
    if (node.packet) yield node.packet;
    for (const child of node.children.values()) yield* this.#all(child);
  }

  /** Removes the packet at levels[i…]; prunes nodes left empty. Returns whether `node` is now empty. */
  #delete(node: Node, levels: string[], i: number): boolean {
    if (i === levels.length) {
      if (node.packet) {
        delete node.packet;
        this.#size--;
      }
    } else {
      const child = node.children.get(levels[i]!);
      if (child && this.#delete(child, levels, i + 1)) node.children.delete(levels[i]!);
    }
    return node.packet === undefined && node.children.size === 0;
  }
}

/** A message queued for one client, as aedes hands it to the persistence. */
interface Queued {
  topic?: string;
  payload?: Buffer;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  [key: string]: unknown;
}

export interface QueueBounds {
  /** Messages kept per client id; the oldest go first. */
  maxMessages: number;
  /** Payload and topic bytes kept per client id; the oldest go first. */
  maxBytes: number;
}

export interface PersistenceOptions {
  queue?: QueueBounds;
  /** Told once when a client's queue starts dropping its oldest messages (again after it emptied). */
  onQueueFull?: (clientId: string, bounds: QueueBounds) => void;
  /**
   * Which of a SUBSCRIBE's filters a persistent session keeps. aedes stores the packet's whole
   * filter list, the ones the ACL refused too, and queues offline messages by it: a refused `#`
   * would queue every QoS 1 message of the broker for that client. Default: all.
   */
  keepSubscription?: (client: { id: string }, filter: string) => boolean;
}

/** What the broker does to the persistence besides what aedes does. */
export interface PersistenceControl {
  /** Messages and bytes queued for a client id. */
  queued(clientId: string): { messages: number; bytes: number };
  /** Retained messages held. */
  retainedCount(): number;
  /** Forgets everything kept for a client id that is not connected: subscriptions, queue, will, QoS 2 state. */
  forgetClient(clientId: string): Promise<void>;
  /** Forgets one stored subscription of a persistent session (nothing when it has none). */
  forgetSubscription(clientId: string, filter: string): Promise<void>;
}

export type TidingsPersistence = AedesPersistence & { tidings: PersistenceControl };

const sizeOf = (packet: Queued) => (packet.payload?.length ?? 0) + (packet.topic?.length ?? 0);

/**
 * Per-client queues of the messages a persistent session has not acknowledged (waiting while it
 * is offline, or sent and not yet PUBACKed), as aedes-persistence's memory store keeps them —
 * same matching of updates and acknowledgements — but bounded: beyond `maxMessages` or
 * `maxBytes` the oldest are dropped (an acknowledgement of a dropped message then finds
 * nothing, which aedes accepts).
 */
class BoundedQueues {
  readonly #queues = new Map<string, { packets: Queued[]; bytes: number; full: boolean }>();

  constructor(
    private readonly bounds: QueueBounds,
    private readonly onFull: (clientId: string, bounds: QueueBounds) => void,
    private readonly wrap: (packet: Queued) => Queued,
  ) {}

  enqueue(clientId: string, packet: Queued): void {
    let queue = this.#queues.get(clientId);
    if (!queue) this.#queues.set(clientId, (queue = { packets: [], bytes: 0, full: false }));
    const copy = this.wrap(packet);
    queue.packets.push(copy);
    queue.bytes += sizeOf(copy);
    let dropped = 0;
    while (queue.packets.length > 1 && (queue.packets.length > this.bounds.maxMessages || queue.bytes > this.bounds.maxBytes)) {
      queue.bytes -= sizeOf(queue.packets.shift()!);
      dropped++;
    }
    if (dropped > 0 && !queue.full) {
      queue.full = true;
      this.onFull(clientId, this.bounds);
    }
  }

  update(clientId: string, packet: Queued): void {
    const queue = this.#queues.get(clientId);
    if (!queue) return;
    const list = queue.packets;
    for (let i = 0; i < list.length; i++) {
      const held = list[i]!;
      if (held.brokerId === packet.brokerId) {
        if (held.brokerCounter === packet.brokerCounter) {
          if (packet.messageId !== undefined) held.messageId = packet.messageId;
          else delete held.messageId;
          return;
        }
      } else if (held.messageId === packet.messageId) {
        queue.bytes += sizeOf(packet) - sizeOf(held);
        list[i] = packet;
        return;
      }
    }
    // Not there: dropped as the oldest meanwhile. aedes-persistence throws here, which makes
    // aedes close the connection; the message is simply sent without being kept.
  }

  clear(clientId: string, messageId: number | undefined): Queued | undefined {
    const queue = this.#queues.get(clientId);
    if (!queue) return undefined;
    const i = queue.packets.findIndex((p) => p.messageId === messageId);
    if (i < 0) return undefined;
    const [held] = queue.packets.splice(i, 1);
    queue.bytes -= sizeOf(held!);
    if (queue.packets.length === 0) this.#queues.delete(clientId);
    return held;
  }

  snapshot(clientId: string): Queued[] {
    return [...(this.#queues.get(clientId)?.packets ?? [])];
  }

  size(clientId: string): { messages: number; bytes: number } {
    const queue = this.#queues.get(clientId);
    return { messages: queue?.packets.length ?? 0, bytes: queue?.bytes ?? 0 };
  }

  forget(clientId: string): void {
    this.#queues.delete(clientId);
  }
}

/**
 * aedes' default in-memory persistence, answering retained-message lookups from a
 * {@link RetainedIndex}, with bounded per-client queues ({@link BoundedQueues}) and only the
 * granted filters of a persistent session kept.
 */
export function indexedMemoryPersistence(options: PersistenceOptions = {}): TidingsPersistence {
  const persistence = memory();
  const index = new RetainedIndex();
  type Store = (packet: Packet, cb?: (err?: Error | null) => void) => unknown;
  const storeRetained = persistence.storeRetained.bind(persistence) as unknown as Store;
  // aedes 1.x calls storeRetained(packet) and awaits the promise; the callback form stays too.
  const indexed: Store = (packet, cb) => {
    index.store(packet);
    return storeRetained(packet, cb);
  };
  persistence.storeRetained = indexed as unknown as AedesPersistence['storeRetained'];
  persistence.createRetainedStream = (pattern: string) => Readable.from(index.match([pattern]));
  persistence.createRetainedStreamCombi = (patterns: string[]) => Readable.from(index.match(patterns));

  // aedes 1.x calls every method below without a callback and awaits the promise.
  const p = persistence as unknown as Record<string, unknown>;
  const PacketOf = (aedesPersistence as unknown as { Packet: new (packet: Queued) => Queued }).Packet;
  const queues = new BoundedQueues(
    options.queue ?? { maxMessages: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER },
    options.onQueueFull ?? (() => {}),
    (packet) => new PacketOf(packet),
  );
  p.outgoingEnqueue = (sub: { clientId: string }, packet: Queued) => Promise.resolve(queues.enqueue(sub.clientId, packet));
  p.outgoingEnqueueCombi = (subs: { clientId: string }[], packet: Queued) => {
    for (const sub of subs) queues.enqueue(sub.clientId, packet);
    return Promise.resolve();
  };
  p.outgoingUpdate = (client: { id: string }, packet: Queued) => Promise.resolve(queues.update(client.id, packet));
  p.outgoingClearMessageId = (client: { id: string }, packet: Queued) => Promise.resolve(queues.clear(client.id, packet.messageId));
  p.outgoingStream = (client: { id: string }) => Readable.from(queues.snapshot(client.id));

  const keep = options.keepSubscription;
  if (keep) {
    type Add = (client: { id: string }, subs: { topic: string }[]) => Promise<void>;
    const addSubscriptions = (persistence.addSubscriptions as unknown as Add).bind(persistence);
    p.addSubscriptions = async (client: { id: string }, subs: { topic: string }[]) => {
      const kept = subs.filter((sub) => keep(client, sub.topic));
      if (kept.length > 0) await addSubscriptions(client, kept);
    };
  }

  type ById = (client: { id: string; brokerId?: string }) => Promise<unknown>;
  const call = (name: string, client: { id: string }) => (p[name] as ById).call(persistence, client);
  const tidings: PersistenceControl = {
    queued: (clientId) => queues.size(clientId),
    retainedCount: () => index.size,
    async forgetClient(clientId) {
      queues.forget(clientId);
      await call('cleanSubscriptions', { id: clientId });
      await call('delWill', { id: clientId });
      if (typeof p.cleanIncoming === 'function') await call('cleanIncoming', { id: clientId });
    },
    async forgetSubscription(clientId, filter) {
      type Remove = (client: { id: string }, filters: string[]) => Promise<unknown>;
      await (p.removeSubscriptions as Remove).call(persistence, { id: clientId }, [filter]);
    },
  };
  return Object.assign(persistence, { tidings });
}
