import { connectUser, type Connection } from '@tidings/client';
import { topics } from '@tidings/protocol';
import { serve } from './serve.js';

/**
 * Load generator of the connections scenario: signed-in users over MQTT over WebSocket with the
 * real client (@tidings/client), each subscribing to what the web app subscribes to after
 * connecting — its reply topic, its inbox, presence — and one room. Connections stay open until
 * the runner ends the process.
 */

export interface ConnectArgs {
  wsUrl: string;
  users: { username: string; token: string }[];
  room: string;
  /** Connections being opened at once. */
  concurrency: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  seconds: number;
  firstError?: string;
}

const open: Connection[] = [];

async function connect(args: ConnectArgs): Promise<ConnectResult> {
  const started = performance.now();
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < args.users.length) {
      const u = args.users[next++]!;
      try {
        const conn = await connectUser({ url: args.wsUrl, connectTimeoutMs: 60_000 }, { username: u.username, token: u.token, device: 'bench' });
        await conn.client.subscribeAsync({
          [topics.inbox(u.username)]: { qos: 1 },
          [topics.presenceFilter]: { qos: 0 },
          [topics.room(args.room)]: { qos: 1 },
        });
        open.push(conn);
        connected++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  const result: ConnectResult = { connected, failed, seconds: (performance.now() - started) / 1000 };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

serve({ connect, count: () => open.length });
