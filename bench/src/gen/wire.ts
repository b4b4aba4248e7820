import { connectGuest, connectUser, randomId, type Connection } from '@tidings/client';
import { topics } from '@tidings/protocol';
import { countingProxy, type CountingProxy } from '../proxy.js';
import { serve } from './serve.js';

/**
 * Bytes on the wire, counted at the socket by a proxy in front of the broker, with the real
 * client (@tidings/client on mqtt.js, as the CLI and the web app use it). Each measured
 * connection gets its own proxy, so its bytes are its own.
 */

export interface WireArgs {
  mqttPort: number;
  httpPort: number;
  room: string;
  /** A registered user, for the sign-in. */
  login: { username: string; password: string };
  sender: { username: string; token: string };
  receiver: { username: string; token: string };
  messages: number;
  pages: number;
  /** The 20-character text. */
  text: string;
  /** Length of the chat.send ids (the idempotency keys), as the web app makes them. */
  idLength: number;
  /** Device ids as the web app makes them: this prefix and this many random characters. */
  device: { prefix: string; random: number };
}

export interface Bytes {
  up: number;
  down: number;
  total: number;
}

export interface WireResult {
  transport: 'tcp' | 'ws';
  /** Guest connect, auth.login, disconnect. */
  signIn: Bytes;
  /** Reconnect as the signed-in user: CONNECT … SUBACK and the presence message. */
  userConnect: Bytes;
  /** Per message, on the sender's connection: the chat.send publish, its PUBACK, the ack reply and its PUBACK. */
  sendAndAck: Bytes;
  /** Per message, on a member's connection: the room event and its PUBACK. */
  delivered: Bytes;
  /** Per page of 50, on the sender's connection: chat.history and its reply. */
  historyPage: Bytes;
  /** Sizes of what was measured, for the report. */
  shapes: { sendPayload: string; eventPayload: string; ackPayload: string };
}

function delta(proxy: CountingProxy, before: { up: number; down: number }, per = 1): Bytes {
  const up = (proxy.up - before.up) / per;
  const down = (proxy.down - before.down) / per;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { up: r(up), down: r(down), total: r(up + down) };
}

const snap = (p: CountingProxy) => ({ up: p.up, down: p.down });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(args: WireArgs, transport: 'tcp' | 'ws'): Promise<WireResult> {
  const port = transport === 'tcp' ? args.mqttPort : args.httpPort;
  const urlOf = (p: CountingProxy) => (transport === 'tcp' ? `mqtt://127.0.0.1:${p.port}` : `ws://127.0.0.1:${p.port}/mqtt`);
  const proxies: CountingProxy[] = [];
  const proxy = async () => {
    const p = await countingProxy(port);
    proxies.push(p);
    return p;
  };
  const conns: Connection[] = [];
  try {
    // 1. sign-in as a guest, then the signed-in reconnect
    const pg = await proxy();
    const guest = await connectGuest({ url: urlOf(pg) });
    const newDevice = () => `${args.device.prefix}${randomId(args.device.random)}`;
    const device = newDevice();
    const session = await guest.request('auth.login', { username: args.login.username, password: args.login.password, device });
    await guest.close();
    await pg.idle();
    const signIn = delta(pg, { up: 0, down: 0 });
    const pu = await proxy();
    const user = await connectUser({ url: urlOf(pu) }, { username: session.username, token: session.token, device });
    conns.push(user);
    await pause(300); // the presence message's PUBACK
    const userConnect = delta(pu, { up: 0, down: 0 });

    // 2. send + ack on the sender's link; delivery on a member's link
    const ps = await proxy();
    const pr = await proxy();
    const sender = await connectUser({ url: urlOf(ps) }, { ...args.sender, device: newDevice() });
    const receiver = await connectUser({ url: urlOf(pr) }, { ...args.receiver, device: newDevice() });
    conns.push(sender, receiver);
    let received = 0;
    let eventPayload = '';
    receiver.client.on('message', (topic, payload) => {
      if (topic === topics.room(args.room)) {
        received++;
        eventPayload = payload.toString('utf8');
      }
    });
    await receiver.client.subscribeAsync(topics.room(args.room), { qos: 1 });
    let ackPayload = '';
    let sending = false;
    sender.client.on('message', (topic, payload) => {
      if (sending && topic === topics.reply(sender.identity.clientId)) ackPayload = payload.toString('utf8');
    });
    for (let i = 0; i < 5; i++) await sender.request('chat.send', { c: args.room, x: args.text }, { id: randomId(args.idLength) }); // warm-up
    while (received < 5) await pause(10);
    await pause(300);
    const s0 = snap(ps);
    const r0 = snap(pr);
    let sendPayload = '';
    sending = true;
    for (let i = 0; i < args.messages; i++) {
      const id = randomId(args.idLength);
      sendPayload = JSON.stringify({ c: args.room, x: args.text, id });
      await sender.request('chat.send', { c: args.room, x: args.text }, { id });
    }
    sending = false;
    const deadline = Date.now() + 10_000;
    while (received < args.messages + 5 && Date.now() < deadline) await pause(10);
    await pause(300); // trailing PUBACKs
    const sendAndAck = delta(ps, s0, args.messages);
    const delivered = delta(pr, r0, received - 5);

    // 3. history pages of 50 on the sender's link
    await sender.request('chat.history', { c: args.room, limit: 50 }); // warm-up
    await pause(200);
    const h0 = snap(ps);
    for (let i = 0; i < args.pages; i++) {
      const page = await sender.request('chat.history', { c: args.room, limit: 50 });
      if (page.messages.length !== 50) throw new Error(`a history page had ${page.messages.length} messages, not 50`);
    }
    await pause(300);
    const historyPage = delta(ps, h0, args.pages);
    return { transport, signIn, userConnect, sendAndAck, delivered, historyPage, shapes: { sendPayload, eventPayload, ackPayload } };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await Promise.all(proxies.map((p) => p.close()));
  }
}

serve({
  measure: async (args: WireArgs) => [await measure(args, 'tcp'), await measure(args, 'ws')],
});
