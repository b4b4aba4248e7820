import { connectGuest } from '@tidings/client';
import { openDatabase } from '@tidings/db';
import type { WireArgs, WireResult } from '../gen/wire.js';
import { startGenerator } from '../procs.js';
import { seedRoom, seedSignedInUsers } from '../seed.js';
import { prepareData, startSut } from '../sut.js';
import type { ScenarioContext } from './context.js';

/**
 * Scenario 3: bytes on the wire per sent message (publish + ack), per delivered message, per
 * sign-in and per history page of 50, over MQTT/TCP and MQTT over WebSocket, counted at the
 * socket by a proxy. Usernames of 8 characters, device ids of 10 and chat.send ids of 12, as
 * the web app makes them; a 20-character text.
 */

export interface WireBytesResult {
  params: { text: string; usernameLength: number; deviceLength: number; idLength: number; messages: number; pages: number };
  transports: WireResult[];
}

export async function wireBytes(ctx: ScenarioContext): Promise<WireBytesResult> {
  const room = 'general';
  const text = 'hello from the bench';
  // Device ids and chat.send ids as the web app makes them (apps/web/src/state/identity.ts, outbox.ts).
  const device = { prefix: 'w-', random: 8 };
  const params = {
    text,
    usernameLength: 8,
    deviceLength: device.prefix.length + device.random,
    idLength: 12,
    messages: ctx.quick ? 50 : 200,
    pages: ctx.quick ? 5 : 40,
  };
  const prepared = await prepareData();
  const db = await openDatabase(prepared.databaseUrl);
  const [sender, receiver] = await seedSignedInUsers(db, ['sender01', 'reader01']);
  await seedRoom(db, room, [sender!, receiver!]);
  await db.close();
  // One sender sends a few hundred messages in a row: above the per-user limit of 10/s (bytes are the same either way).
  const sut = await startSut({
    prepared,
    services: ['auth', 'chat-store', 'chat-query'],
    serviceEnv: { TIDINGS_SEND_RATE: '10000', TIDINGS_SEND_BURST: '100000' },
  });
  ctx.note('chat-store send limit raised (TIDINGS_SEND_RATE=10000, TIDINGS_SEND_BURST=100000) so one sender can send its messages back to back');
  const gen = await startGenerator('wire');
  try {
    const login = { username: 'signin01', password: 'correct horse battery staple' };
    const guest = await connectGuest({ url: `mqtt://127.0.0.1:${sut.mqttPort}` });
    await guest.request('auth.register', login);
    await guest.close();
    const args: WireArgs = {
      mqttPort: sut.mqttPort,
      httpPort: sut.httpPort,
      room,
      login,
      sender: { username: sender!.username, token: sender!.token },
      receiver: { username: receiver!.username, token: receiver!.token },
      messages: params.messages,
      pages: params.pages,
      text,
      idLength: params.idLength,
      device,
    };
    const transports = await gen.call<WireResult[]>('measure', args);
    for (const t of transports) {
      ctx.progress(
        `${t.transport}: send+ack ${t.sendAndAck.total} B, delivered ${t.delivered.total} B, sign-in ${t.signIn.total} B (+ ${t.userConnect.total} B reconnect), history page ${t.historyPage.total} B`,
      );
    }
    return { params, transports };
  } finally {
    await gen.kill();
    await sut.stop();
  }
}
