import { MAX_PACKET_BYTES, publishPacketBytes, utf8Bytes } from '@tidings/protocol';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';

/**
 * The bytes of the PUBLISH packet for `payload` on `topic` when that is more than the broker
 * accepts (MAX_PACKET_BYTES), else undefined. The broker closes a connection that sends a larger
 * packet, and mqtt.js sends an unacknowledged QoS 1 packet again after reconnecting — so one such
 * packet would cut a service off for good. Cheap for the usual small payload.
 */
export function oversizePacket(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 1): number | undefined {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most payloads are cleared without counting.
  if (typeof payload === 'string' && (payload.length + topic.length) * 3 + 16 <= MAX_PACKET_BYTES) return undefined;
  const bytes = publishPacketBytes(topic, typeof payload === 'string' ? utf8Bytes(payload) : payload.length, qos);
  return bytes > MAX_PACKET_BYTES ? bytes : undefined;
}

export interface BoundedPublishOptions {
  qos: 0 | 1 | 2;
  retain?: boolean;
}

/**
 * Publishes like `client.publishAsync`, except a packet the broker would refuse: that one is
 * dropped and logged at error level with its size (a bug: every reply and event is bounded by
 * construction), never sent. Resolves false when dropped; a failed publish rejects as usual.
 */
export async function publishBounded(client: MqttClient, logger: Logger, topic: string, payload: string, options: BoundedPublishOptions): Promise<boolean> {
  const tooLarge = oversizePacket(topic, payload, options.qos);
  if (tooLarge !== undefined) {
    logger.error({ topic, bytes: tooLarge, limit: MAX_PACKET_BYTES }, 'packet larger than the broker accepts: dropped, not sent');
    return false;
  }
  await client.publishAsync(topic, payload, options);
  return true;
}
