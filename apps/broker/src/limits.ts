import { MAX_PACKET_BYTES } from '@tidings/protocol';

/**
 * Resource limits of the broker. The aedes ones map one-to-one onto aedes 1.2 options
 * (`maxTopicLevels`, `maxInflightInbound`, `drainTimeout`, `connectTimeout`, `queueLimit`);
 * aedes and mqtt-packet have no maximum packet size, so `maxPacketSize` is enforced by our own
 * framing guard on every transport (src/packet-guard.ts).
 */
export interface Limits {
  /** Largest MQTT packet a client may send, in bytes (fixed header included). */
  maxPacketSize: number;
  /** aedes `maxTopicLevels`: levels in a topic or filter (our tree uses at most 5). */
  maxTopicLevels: number;
  /** aedes `maxInflightInbound`: inbound QoS 2 publishes awaiting PUBREL per client. */
  maxInflightInbound: number;
  /** aedes `drainTimeout`: ms to wait for a slow client's socket to drain before dropping it. */
  drainTimeout: number;
  /** aedes `connectTimeout`: ms a new connection has to send CONNECT. */
  connectTimeout: number;
  /** aedes `queueLimit`: packets a client may send before its CONNACK. */
  queueLimit: number;
  /** Connection attempts per remote address per minute; 0 = no cap. */
  connectionAttemptsPerMinute: number;
  /**
   * Loopback addresses (127.0.0.0/8, ::1) are not capped: they are this machine's own
   * services and tools. Behind a reverse proxy on the same machine, set trustProxy so each
   * client is counted by its forwarded address.
   */
  exemptLoopback: boolean;
  /** How often expired sessions are swept from live connections, in ms. */
  sessionSweepMs: number;
  /** Distinct device ids (client ids) one session token may connect as; a further one is refused. */
  maxDevicesPerSession: number;
  /** Messages kept for one persistent session (sent and unacknowledged, or waiting offline); the oldest go first. */
  maxQueuedMessages: number;
  /** Payload bytes kept for one persistent session; the oldest messages go first. */
  maxQueuedBytes: number;
}

import { MAX_DEVICES_PER_SESSION, MAX_QUEUED_BYTES, MAX_QUEUED_MESSAGES } from '@tidings/protocol';

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxPacketSize: MAX_PACKET_BYTES, // services never publish more (@tidings/protocol limits.ts)
  maxTopicLevels: 16,
  maxInflightInbound: 100,
  drainTimeout: 30_000,
  connectTimeout: 10_000,
  queueLimit: 42,
  connectionAttemptsPerMinute: 30,
  exemptLoopback: true,
  sessionSweepMs: 60_000,
  maxDevicesPerSession: MAX_DEVICES_PER_SESSION,
  maxQueuedMessages: MAX_QUEUED_MESSAGES,
  maxQueuedBytes: MAX_QUEUED_BYTES,
});

export function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value === 'boolean') continue;
    if (!Number.isInteger(value) || value < 0) throw new Error(`limit ${name} must be a non-negative integer, got ${String(value)}`);
  }
  if (limits.maxPacketSize < 1024) throw new Error('limit maxPacketSize must be at least 1024 bytes');
  if (limits.maxDevicesPerSession < 1) throw new Error('limit maxDevicesPerSession must be at least 1');
  if (limits.maxQueuedMessages < 1 || limits.maxQueuedBytes < 1024)
    throw new Error('limits maxQueuedMessages (≥ 1) and maxQueuedBytes (≥ 1024) bound every persistent session');
  if (limits.maxTopicLevels < 5 || limits.maxTopicLevels > 100) throw new Error('limit maxTopicLevels must be between 5 and 100');
  return limits;
}
