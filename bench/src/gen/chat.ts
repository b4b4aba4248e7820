import { topics } from '@tidings/protocol';
import { LeanClient } from '../lean-client.js';
import { Samples, nowMs } from '../stats.js';
import { serve } from './serve.js';

/**
 * Load generator of the end-to-end scenario: signed-in senders publish `chat.send` requests on
 * their own request topics and wait for the ack (sent by chat-store only after the commit);
 * members receive the room's live events. Latencies: send → ack ("persisted") and send →
 * delivery to a member, both measured in this process (a delivery is matched to its send by its
 * text, unique per message). Saturation runs keep `window` sends per sender waiting for their
 * ack; fixed-rate runs send open-loop on a schedule and time from the scheduled moment.
 */

export interface ChatUser {
  username: string;
  token: string;
}

export interface ChatSetupArgs {
  port: number;
  room: string;
  senders: ChatUser[];
  members: ChatUser[];
  /** Distinguishes this generator's ids and texts from another's. */
  label: string;
}

export interface ChatRunArgs {
  warmupMs: number;
  durationMs: number;
  window?: number;
  /** Messages per second from this generator (open loop). */
  rate?: number;
}

export interface ChatRunResult {
  seconds: number;
  /** Acks (stored messages) received in the measured interval. */
  acks: number;
  /** Sends scheduled in the measured interval (fixed-rate runs). */
  offered: number;
  deliveries: number;
  ackLatencies: number[];
  deliveryLatencies: number[];
  /** Error replies by code. */
  errors: Record<string, number>;
  /** Sends without an ack, deliveries missing, after the drain. */
  missingAcks: number;
  missingDeliveries: number;
}

let room = '';
let label = '';
let senders: { client: LeanClient; topic: string; inflight: number }[] = [];
let members: LeanClient[] = [];
let counter = 0;
let onAck: (id: string, ok: boolean, code: string | undefined, at: number) => void = () => {};
let onDelivery: (text: string, at: number) => void = () => {};

async function setup(args: ChatSetupArgs): Promise<void> {
  room = args.room;
  label = args.label;
  const host = '127.0.0.1';
  const roomTopic = topics.room(room);
  members = await Promise.all(
    args.members.map((u) =>
      LeanClient.connect({ host, port: args.port, clientId: `${u.username}:bench-m`, username: u.username, password: u.token, clean: false }),
    ),
  );
  await Promise.all(members.map((m) => m.subscribe([roomTopic], 1)));
  for (const m of members) {
    m.onMessage = (_topic, payload) => {
      const at = nowMs();
      // {"t":"m","s":1,"u":"…","x":"…","at":…}: the text is all this needs
      const event = JSON.parse(payload.toString('utf8')) as { t: string; x?: string };
      if (event.t === 'm' && event.x !== undefined) onDelivery(event.x, at);
    };
  }
  senders = await Promise.all(
    args.senders.map(async (u) => {
      const clientId = `${u.username}:bench-s`;
      const client = await LeanClient.connect({ host, port: args.port, clientId, username: u.username, password: u.token, clean: false });
      await client.subscribe([topics.reply(clientId)], 1);
      client.onMessage = (_topic, payload) => {
        const at = nowMs();
        const reply = JSON.parse(payload.toString('utf8')) as { id: string; r?: unknown; e?: { code: string } };
        onAck(reply.id, reply.e === undefined, reply.e?.code, at);
      };
      return { client, topic: topics.userRequest(clientId, 'chat.send'), inflight: 0 };
    }),
  );
}

async function run(args: ChatRunArgs): Promise<ChatRunResult> {
  const started = nowMs();
  const from = started + args.warmupMs;
  const until = from + args.durationMs;
  const ackLatencies = new Samples();
  const deliveryLatencies = new Samples();
  const errors: Record<string, number> = {};
  /** id → [sender, scheduled time] */
  const waiting = new Map<string, { sender: number; at: number }>();
  /** text → [scheduled time, members still to receive it] */
  const texts = new Map<string, { at: number; left: number }>();
  let acks = 0;
  let offered = 0;
  let deliveries = 0;
  let sent = 0;
  let stopSending = false;
  let drained: () => void = () => {};

  const send = (s: number, at: number) => {
    const n = ++counter;
    // 12-character id and 20-character text, as the web app sends them
    const id = `${label}${n.toString(36)}`.padEnd(12, '_');
    const text = `${label}${n.toString(36)}`.padEnd(20, '.');
    waiting.set(id, { sender: s, at });
    // (a generator with no listening members of its own waits for no deliveries)
    if (members.length > 0) texts.set(text, { at, left: members.length });
    if (at >= from && at < until) offered++;
    sent++;
    const sender = senders[s]!;
    sender.inflight++;
    sender.client.publish(sender.topic, `{"id":"${id}","c":"${room}","x":"${text}"}`, 1);
  };

  onAck = (id, ok, code, at) => {
    const w = waiting.get(id);
    if (!w) return;
    waiting.delete(id);
    const sender = senders[w.sender]!;
    sender.inflight--;
    if (!ok) errors[code ?? 'unknown'] = (errors[code ?? 'unknown'] ?? 0) + 1;
    else if (at >= from && at < until) {
      acks++;
      ackLatencies.push(at - w.at);
    }
    if (args.window !== undefined && !stopSending && at < until) send(w.sender, at);
    if (waiting.size === 0 && (stopSending || at >= until)) drained();
  };
  onDelivery = (text, at) => {
    const t = texts.get(text);
    if (at >= from && at < until) deliveries++;
    if (!t) return;
    if (at >= from && at < until) deliveryLatencies.push(at - t.at);
    if (--t.left <= 0) texts.delete(text);
  };

  if (args.window !== undefined) {
    for (let s = 0; s < senders.length; s++) for (let k = 0; k < args.window; k++) send(s, nowMs());
    await new Promise<void>((resolve) => setTimeout(resolve, until - nowMs()));
    stopSending = true;
  } else {
    const interval = 1000 / args.rate!;
    let k = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = nowMs();
        while (started + k * interval <= now && started + k * interval < until) {
          send(k % senders.length, started + k * interval);
          k++;
        }
        if (started + k * interval >= until) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    stopSending = true;
  }
  // drain: the last acks and deliveries (10 s at most)
  const deadline = nowMs() + 10_000;
  await new Promise<void>((resolve) => {
    drained = resolve;
    if (waiting.size === 0) resolve();
    setTimeout(resolve, deadline - nowMs());
  });
  while (texts.size > 0 && nowMs() < deadline) await new Promise((r) => setTimeout(r, 20));
  onAck = () => {};
  onDelivery = () => {};
  void sent;
  return {
    seconds: args.durationMs / 1000,
    acks,
    offered,
    deliveries,
    ackLatencies: ackLatencies.thinned(),
    deliveryLatencies: deliveryLatencies.thinned(),
    errors,
    missingAcks: waiting.size,
    missingDeliveries: [...texts.values()].reduce((n, t) => n + t.left, 0),
  };
}

export interface ChatListenArgs {
  /** How many of this generator's members stay subscribed to the room; the rest unsubscribe. */
  listeners: number;
}

/** Makes the room smaller for the next runs: members past `listeners` leave its topic. */
async function listen(args: ChatListenArgs): Promise<void> {
  const leaving = members.slice(args.listeners);
  await Promise.all(leaving.map((m) => m.unsubscribe([topics.room(room)])));
  members = members.slice(0, args.listeners);
  await Promise.all(leaving.map((m) => m.end()));
}

async function teardown(): Promise<void> {
  await Promise.all([...senders.map((s) => s.client), ...members].map((c) => c.end()));
  senders = [];
  members = [];
}

serve({ setup, run, listen, teardown });
