import { topics } from '@tidings/protocol';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';

/**
 * A raw mqtt.js client (MQTT 3.1.1, clean session, no reconnecting), resolved once the broker
 * accepted the connection and rejected when it refused it. For what the typed client would never
 * do: malformed payloads, other people's topics, a device's own presence and last will.
 */
export async function connectRaw(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = connect(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** A reply as it arrives on a reply topic, unchecked: `r` (the result) on success, `e` on failure. */
export interface RawReply {
  id: string | null;
  r?: unknown;
  e?: { code: string; message: string; retryAfter?: number };
}

/** A raw MQTT client subscribed to its own reply topic. */
export interface RawClient {
  client: MqttClient;
  clientId: string;
  /** Publishes `payload` as is on `topic` (QoS 1) and resolves with the next reply on the reply topic (rejects after 5 s). */
  send(topic: string, payload: string | Buffer): Promise<RawReply>;
}

/**
 * Connects a {@link RawClient} as `clientId` (a guest `g:<random>` without credentials, or a user
 * `<username>:<device>` with `{ username, password: token }`) and subscribes it to its reply topic.
 * The caller closes `client`.
 */
export async function rawClient(url: string, clientId: string, auth: { username?: string; password?: string } = {}): Promise<RawClient> {
  const client = await connectRaw(url, { clientId, ...auth });
  const replyTopic = topics.reply(clientId);
  await client.subscribeAsync(replyTopic, { qos: 1 });
  const waiting: ((payload: Buffer) => void)[] = [];
  client.on('message', (topic, payload) => {
    if (topic === replyTopic) waiting.shift()?.(payload);
  });
  return {
    client,
    clientId,
    async send(topic, payload) {
      const reply = new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply on ${replyTopic} within 15 s`)), 15_000);
        waiting.push((p) => {
          clearTimeout(timer);
          resolve(p);
        });
      });
      await client.publishAsync(topic, payload, { qos: 1 });
      return JSON.parse((await reply).toString('utf8')) as RawReply;
    },
  };
}

/** Resolves when the connection's MQTT client is closed by the broker (or rejects after `ms`). */
export function closedByBroker(conn: { client: MqttClient }, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!conn.client.connected) return resolve();
    const timer = setTimeout(() => reject(new Error(`the broker did not close ${conn.client.options.clientId} within ${ms} ms`)), ms);
    conn.client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
