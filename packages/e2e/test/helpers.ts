import { topics } from '@tidings/protocol';
import { connect, type MqttClient } from 'mqtt';

/**
 * A signed-in device as a raw mqtt.js client with a persistent session that reconnects every
 * 100 ms (its own reconnect policy is not under test), subscribed to its reply topic.
 */
export async function connectDevice(url: string, username: string, token: string, device = 'dev'): Promise<{ client: MqttClient; clientId: string }> {
  const clientId = `${username}:${device}`;
  const client = connect(url, { protocolVersion: 4, clientId, username, password: token, clean: false, reconnectPeriod: 100 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topics.reply(clientId), { qos: 1 });
  return { client, clientId };
}

/**
 * Publishes chat.send `{id, c: 'general', x: text}` every `everyMs` — the same id each time, so it is
 * stored once — until its ack arrives (while the broker is away the publishes wait in mqtt.js).
 */
export function sendUntilAcked(device: { client: MqttClient; clientId: string }, id: string, text: string, everyMs = 250): Promise<{ s: number; at: number }> {
  const { client, clientId } = device;
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer) => {
      if (topic !== topics.reply(clientId)) return;
      const reply = JSON.parse(payload.toString('utf8')) as { id: string; r?: { s: number; at: number } };
      if (reply.id !== id || !reply.r) return;
      clearInterval(timer);
      client.off('message', onMessage);
      resolve(reply.r);
    };
    client.on('message', onMessage);
    const publish = () => client.publish(topics.userRequest(clientId, 'chat.send'), JSON.stringify({ id, c: 'general', x: text }), { qos: 1 });
    const timer = setInterval(publish, everyMs);
    publish();
  });
}
