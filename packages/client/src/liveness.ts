import type { MqttClient, Packet } from 'mqtt';
import type { RttEstimator } from './rtt.js';

export interface LivenessOptions {
  /** Least time an answer may take before the connection counts as stuck (default 2 s; 3 s for a request's reply). */
  answerFloorMs?: number;
  /** Least silence before an idle connection pings (default 3 s). */
  idleFloorMs?: number;
  /** How often to look (default 250 ms). */
  tickMs?: number;
  /** Told when a stuck connection is dropped (for logs and tests). */
  onStuck?: (silentMs: number) => void;
}

/** Packets the broker answers: when one is sent, something must come back. */
const ANSWERED = new Set(['subscribe', 'unsubscribe']);

/**
 * Notices a connection that has stopped carrying anything — a flow black-holed by a middlebox,
 * a stall that closes nothing — in seconds, where MQTT's keepalive takes 1.5 × 30 s, and drops
 * it so mqtt.js connects again: a fresh connection gets past a stuck flow.
 *
 * Every byte that arrives proves the connection alive. Once something was sent that gets an
 * answer and not one byte has arrived since for longer than that answer should take, the
 * connection is stuck: a PINGREQ's PINGRESP takes one round trip, so 1.25 × SRTT + 0.5 s (at
 * least 2 s); a request's reply adds a service's work, so 1.5 × SRTT + 1 s (at least 3 s);
 * SRTT, not the RTO, whose 4 × RTTVAR after one sample is three round trips more. A connection
 * that has heard nothing for max(3 s, 1.25 × SRTT) sends a 2-byte PINGREQ, so a listener that
 * sends nothing notices too. On a 2 s round-trip link a stuck listener is noticed about 6 s
 * after the last byte it heard, a stuck sender 4 s after the reply that did not come; on
 * loopback an idle connection pings every 3 s, 4 bytes.
 *
 * Returns `expect()`, for the requests the Requester sends at QoS 0 (their answer is a reply).
 */
export function useLiveness(client: MqttClient, rtt: RttEstimator, options: LivenessOptions = {}): { expect(): void } {
  const answerFloor = options.answerFloorMs ?? 2000;
  const idleFloor = options.idleFloorMs ?? 3000;
  let lastHeard = performance.now();
  /** Since when an answer is awaited with nothing heard, and how long it may take. */
  let waiting: { since: number; allowMs: number } | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stream: { on(e: 'data', f: () => void): unknown; off(e: 'data', f: () => void): unknown } | undefined;

  const srtt = () => rtt.srtt ?? rtt.rto;
  const heard = () => {
    lastHeard = performance.now();
    waiting = undefined;
  };
  const await_ = (factor: number, extraMs: number, floorMs: number) => {
    if (!client.connected || waiting) return;
    waiting = { since: performance.now(), allowMs: Math.max(floorMs, factor * srtt() + extraMs) };
  };
  const expect = () => await_(1.5, 1000, answerFloor + 1000);
  const check = () => {
    if (!client.connected) return;
    const now = performance.now();
    if (waiting && now - waiting.since > waiting.allowMs) {
      options.onStuck?.(now - lastHeard);
      waiting = undefined;
      // mqtt.js sees the stream close and reconnects (after its backoff).
      (client.stream as { destroy?: () => void } | undefined)?.destroy?.();
      return;
    }
    if (!waiting && now - lastHeard > Math.max(idleFloor, 1.25 * srtt())) client.sendPing();
  };

  client.on('connect', () => {
    stream?.off('data', heard);
    stream = client.stream;
    stream?.on('data', heard);
    heard();
    clearInterval(timer);
    timer = setInterval(check, options.tickMs ?? 250);
    (timer as { unref?: () => void }).unref?.();
  });
  client.on('close', () => {
    clearInterval(timer);
    timer = undefined;
    waiting = undefined;
  });
  client.on('end', () => clearInterval(timer));
  client.on('packetsend', (packet: Packet) => {
    if (packet.cmd === 'pingreq') await_(1.25, 500, answerFloor);
    else if (ANSWERED.has(packet.cmd) || (packet.cmd === 'publish' && (packet.qos ?? 0) > 0)) expect();
  });
  return { expect };
}
