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

/** aedes' default in-memory persistence, answering retained-message lookups from a {@link RetainedIndex}. */
export function indexedMemoryPersistence(): AedesPersistence {
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
  return persistence;
}
