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
}

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
});

export function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value === 'boolean') continue;
    if (!Number.isInteger(value) || value < 0) throw new Error(`limit ${name} must be a non-negative integer, got ${String(value)}`);
  }
  if (limits.maxPacketSize < 1024) throw new Error('limit maxPacketSize must be at least 1024 bytes');
  if (limits.maxTopicLevels < 5 || limits.maxTopicLevels > 100) throw new Error('limit maxTopicLevels must be between 5 and 100');
  return limits;
}
