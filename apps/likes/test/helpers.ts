import { ConversationEvent } from '@tidings/protocol';
import { startSingleService, type Backend, type SingleServiceHarness } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { createLikes, type Likes } from '../src/service.js';

export { describeBackends, type Backend, type RawUser as RawClient } from '@tidings/testkit';

export type LikesHarness = SingleServiceHarness<Likes>;

/** A real broker on port 0 with a temporary database (testkit) and the likes service on its own service connection. */
export function startLikes(backend: Backend): Promise<LikesHarness> {
  return startSingleService(backend, 'likes', (deps) => createLikes(deps));
}

/** Live events seen on one topic by one client, in arrival order. */
export interface Watch {
  events: ConversationEvent[];
  /** Resolves with the first event (already seen, or arriving later) that matches. */
  next(match: (e: ConversationEvent) => boolean, ms?: number): Promise<ConversationEvent>;
}

/**
 * Subscribes `client` to `topic` (QoS 1) and records every event that arrives there; refuses
 * when the broker refuses the subscription.
 */
export async function watch(client: MqttClient, topic: string): Promise<Watch> {
  const events: ConversationEvent[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (t, payload) => {
    if (t !== topic) return;
    events.push(ConversationEvent.parse(JSON.parse(payload.toString('utf8'))));
    for (const w of waiters.splice(0)) w();
  });
  // mqtt.js rejects a SUBACK failure (0x80) as "Subscribe error"; older versions resolve with qos 128.
  const refused = new Error(`the broker refused ${client.options.clientId} a subscription to ${topic}`);
  const granted = await client.subscribeAsync(topic, { qos: 1 }).catch(() => {
    throw refused;
  });
  if (granted.some((g) => g.qos === 128)) throw refused;
  return {
    events,
    next(match, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event on ${topic} within ${ms} ms; saw ${JSON.stringify(events)}`)), ms);
        const check = () => {
          const found = events.find(match);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}
