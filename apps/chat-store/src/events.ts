import { dmRef, topics, type ConversationEvent, type RoomAccessEvent } from '@tidings/protocol';
import { publishBounded, type Logger } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import type { ConversationInfo } from './directory.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A conversation event before it is addressed: inbox copies get their `c` added per recipient. */
export type UnaddressedEvent = DistributiveOmit<Exclude<ConversationEvent, { t: 'rd' | 'mb' | 'mn' }>, 'c'>;

/**
 * Publishes live events at QoS 1: a room's on `t/room/<name>`; a direct conversation's to both
 * participants' inboxes, each copy naming the conversation as its recipient does (`@alice` in
 * bob's inbox). Events are sent after the change is committed and never awaited by the request:
 * a client that misses one fills the gap from history. Publishing in call order keeps a room's
 * events in sequence order (mqtt.js sends in order on one connection).
 */
export class LiveEvents {
  readonly #client: MqttClient;
  readonly #logger: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(client: MqttClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /** To everyone in the conversation. */
  conversation(conv: ConversationInfo, event: UnaddressedEvent): void {
    if (conv.participants) {
      const [a, b] = conv.participants;
      this.inbox(a, { ...event, c: dmRef(b) });
      if (b !== a) this.inbox(b, { ...event, c: dmRef(a) });
    } else if (conv.name !== null) {
      this.#publish(topics.room(conv.name), event);
    }
  }

  /** To one user's inbox (all their devices). */
  inbox(username: string, event: ConversationEvent): void {
    this.#publish(topics.inbox(username), event);
  }

  /** To a room's topic. */
  room(name: string, event: UnaddressedEvent): void {
    this.#publish(topics.room(name), event);
  }

  /**
   * Tells the brokers that `username` may (on) or may no longer (off) read a private room: they
   * check it at subscribe and at every delivery. Sent after the change is committed.
   */
  roomAccess(room: string, username: string, on: boolean): void {
    const event: RoomAccessEvent = { r: room, u: username, on };
    this.#send(topics.roomAccess, JSON.stringify(event), 'room-access');
  }

  /** Waits for every event still being sent (on stop). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  #publish(topic: string, event: ConversationEvent): void {
    // A message event is at most about 24 KiB (4,000 characters of 6-byte JSON escapes): far
    // below the broker's packet limit. publishBounded drops (and logs) anything larger.
    this.#send(topic, JSON.stringify(event), event.t);
  }

  #send(topic: string, payload: string, t: string): void {
    const task = publishBounded(this.#client, this.#logger, topic, payload, { qos: 1 }).then(
      () => undefined,
      (err: unknown) => this.#logger.warn({ err, topic, t }, 'could not publish a live event (clients fill the gap from history)'),
    );
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }
}
