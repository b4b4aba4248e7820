import { LeanClient } from '../lean-client.js';
import { Samples, nowMs } from '../stats.js';
import { serve } from './serve.js';

/**
 * Load generator of the raw-broker scenario: plain MQTT, QoS 1 both ways, no Tidings protocol.
 * - pairs: P publishers, each with one subscriber on its own topic (one-to-one);
 * - fanout: one publisher, S subscribers of one topic (one-to-S).
 * Saturation runs keep `window` messages per publisher in flight end to end (a message leaves
 * the window when every subscriber has it), so neither broker is asked to queue without bound;
 * fixed-rate runs publish open-loop on a schedule and time each delivery from its scheduled
 * send time (so a stall is not hidden by sending later).
 * Payload: 8-byte send time + 4-byte number + 16 bytes of filler (28 bytes).
 */

export interface SetupArgs {
  port: number;
  mode: 'pairs' | 'fanout';
  /** pairs: publishers (= subscribers); fanout: subscribers of the one topic. */
  count: number;
  label: string;
  /** pairs: the topic of each pair (default `bench/p/<i>`), e.g. rooms on a broker with its ACL on. */
  topics?: string[];
  /** Signed-in subscribers, one per pair (default: anonymous, for an open broker). */
  subscriberLogins?: Login[];
  /**
   * Brokers of a cluster: subscriber i connects to `subscriberPorts[i % length]`, publisher i to
   * `publisherPorts[i % length]` (default: `port` for all).
   */
  subscriberPorts?: number[];
  publisherPorts?: number[];
  /** The publishers sign in as this service; their client ids are `<clientIdPrefix><i>`. */
  publisherLogin?: { clientIdPrefix: string; username: string; password: string };
}

export interface Login {
  clientId: string;
  username: string;
  password: string;
}

export interface RunArgs {
  warmupMs: number;
  durationMs: number;
  /** Saturation: messages in flight per publisher. */
  window?: number;
  /** Fixed load: messages per second in all (open loop). */
  rate?: number;
}

export interface RunResult {
  /** Messages published during the measured interval. */
  published: number;
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  messagesPerSecond: number;
  /** Deliveries missing after the drain (fixed-rate runs). */
  missing: number;
  latencies: number[];
}

const PAYLOAD = 28;

let pubs: LeanClient[] = [];
let subs: LeanClient[] = [];
let mode: 'pairs' | 'fanout' = 'pairs';
let pairTopics: string[] | undefined;
let onDelivery: (pub: number, sentAt: number, n: number, at: number) => void = () => {};

function topicOf(i: number): string {
  return mode === 'pairs' ? (pairTopics?.[i] ?? `bench/p/${i}`) : 'bench/fan';
}

async function setup(args: SetupArgs): Promise<{ clients: number }> {
  mode = args.mode;
  pairTopics = args.topics;
  const host = '127.0.0.1';
  const portOf = (ports: number[] | undefined, i: number) => (ports && ports.length > 0 ? ports[i % ports.length]! : args.port);
  const nPubs = mode === 'pairs' ? args.count : 1;
  const nSubs = args.count;
  subs = await Promise.all(
    Array.from({ length: nSubs }, (_, i) => {
      const login = args.subscriberLogins?.[i];
      return LeanClient.connect({
        host,
        port: portOf(args.subscriberPorts, i),
        clientId: login?.clientId ?? `${args.label}-s${i}`,
        clean: true,
        ...(login ? { username: login.username, password: login.password } : {}),
      });
    }),
  );
  const granted = await Promise.all(subs.map((s, i) => s.subscribe([topicOf(mode === 'pairs' ? i : 0)], 1)));
  const refused = granted.flat().filter((qos) => qos === 0x80).length;
  if (refused > 0) throw new Error(`${refused} of ${subs.length} subscriptions were refused`);
  for (const s of subs) {
    s.onMessage = (_topic, payload) => {
      const at = nowMs();
      onDelivery(payload.readUInt32BE(12), payload.readDoubleBE(0), payload.readUInt32BE(8), at);
    };
  }
  const pub = args.publisherLogin;
  pubs = await Promise.all(
    Array.from({ length: nPubs }, (_, i) =>
      LeanClient.connect({
        host,
        port: portOf(args.publisherPorts, i),
        clean: true,
        ...(pub ? { clientId: `${pub.clientIdPrefix}${i}`, username: pub.username, password: pub.password } : { clientId: `${args.label}-p${i}` }),
      }),
    ),
  );
  return { clients: nPubs + nSubs };
}

function payloadOf(pub: number, n: number, sentAt: number): Buffer {
  const b = Buffer.alloc(PAYLOAD, 0x78);
  b.writeDoubleBE(sentAt, 0);
  b.writeUInt32BE(n >>> 0, 8);
  b.writeUInt32BE(pub, 12);
  return b;
}

async function run(args: RunArgs): Promise<RunResult> {
  const perMessage = mode === 'pairs' ? 1 : subs.length;
  const started = nowMs();
  const from = started + args.warmupMs;
  const until = from + args.durationMs;
  const latencies = new Samples();
  let deliveries = 0;
  let published = 0;
  let sentTotal = 0;
  let deliveredTotal = 0;
  let running = true;
  const remaining = new Map<number, number>(); // fanout: message number → subscribers still to get it
  let seq = 0;

  const send = (pub: number, sentAt: number) => {
    const n = ++seq;
    if (mode === 'fanout') remaining.set(n, perMessage);
    if (sentAt >= from && sentAt < until) published++;
    sentTotal++;
    pubs[pub]!.publish(topicOf(pub), payloadOf(pub, n, sentAt), 1);
  };

  let finishSaturation: () => void = () => {};
  const inflight = new Array<number>(pubs.length).fill(0);
  onDelivery = (pub, sentAt, n, at) => {
    deliveredTotal++;
    if (at >= from && at < until) {
      deliveries++;
      latencies.push(at - sentAt);
    }
    if (args.window === undefined) return;
    let done = true;
    if (mode === 'fanout') {
      const left = (remaining.get(n) ?? 1) - 1;
      if (left > 0) {
        remaining.set(n, left);
        done = false;
      } else remaining.delete(n);
    }
    if (!done) return;
    inflight[pub]!--;
    if (running && nowMs() < until) {
      inflight[pub]!++;
      send(pub, nowMs());
    } else if (inflight.every((x) => x === 0)) finishSaturation();
  };

  if (args.window !== undefined) {
    const window = args.window;
    await new Promise<void>((resolve) => {
      finishSaturation = resolve;
      for (let p = 0; p < pubs.length; p++) {
        for (let k = 0; k < window; k++) {
          inflight[p]!++;
          send(p, nowMs());
        }
      }
      // A lost message would hold its window slot forever: stop waiting 5 s after the end.
      setTimeout(
        () => {
          running = false;
          resolve();
        },
        until - nowMs() + 5000,
      );
    });
    running = false;
  } else {
    const rate = args.rate!;
    const interval = 1000 / rate;
    let k = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = nowMs();
        while (started + k * interval <= now && started + k * interval < until) {
          send(k % pubs.length, started + k * interval);
          k++;
        }
        if (started + k * interval >= until) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, 1);
    });
    // drain: up to 5 s for the last deliveries
    const expected = () => sentTotal * perMessage;
    const deadline = nowMs() + 5000;
    while (deliveredTotal < expected() && nowMs() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
  onDelivery = () => {};
  const seconds = args.durationMs / 1000;
  return {
    published,
    deliveries,
    seconds,
    deliveriesPerSecond: deliveries / seconds,
    messagesPerSecond: deliveries / perMessage / seconds,
    missing: args.window === undefined ? sentTotal * perMessage - deliveredTotal : 0,
    latencies: latencies.thinned(),
  };
}

async function teardown(): Promise<void> {
  await Promise.all([...pubs, ...subs].map((c) => c.end()));
  pubs = [];
  subs = [];
}

serve({ setup, run, teardown });
