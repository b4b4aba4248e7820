import { topics, type Action } from '@tidings/protocol';
import { LeanClient } from '../lean-client.js';
import { Samples } from '../stats.js';

/**
 * Times `warmup + requests` round trips, one at a time: `send(i)` publishes request i, and the
 * next message on the client (its reply) ends it.
 */
export async function roundTrips(
  client: LeanClient,
  args: { warmup: number; requests: number; cold?: number },
  send: (i: number) => void,
): Promise<{ latencies: number[]; cold: number[]; last: Buffer }> {
  let waiter: ((payload: Buffer) => void) | undefined;
  client.onMessage = (_t, payload) => waiter?.(payload);
  const latencies = new Samples();
  const cold = new Samples();
  const coldCount = Math.min(args.cold ?? 0, args.warmup);
  let last: Buffer = Buffer.alloc(0);
  for (let i = 0; i < args.warmup + args.requests; i++) {
    const started = performance.now();
    last = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to request ${i} within 10 s`)), 10_000);
      waiter = (p) => {
        clearTimeout(timer);
        resolve(p);
      };
      send(i);
    });
    const ms = performance.now() - started;
    if (i >= args.warmup) latencies.push(ms);
    else if (i < coldCount) cold.push(ms);
  }
  return { latencies: latencies.thinned(), cold: cold.thinned(), last };
}

/**
 * A signed-in user's lean client (device `device`) on the broker at `port`, subscribed to its
 * reply topic, and the topic of its `action` requests.
 */
export async function requester(
  user: { username: string; token: string },
  port: number,
  device: string,
  action: Action,
): Promise<{ client: LeanClient; topic: string }> {
  const clientId = `${user.username}:${device}`;
  const client = await LeanClient.connect({ host: '127.0.0.1', port, clientId, username: user.username, password: user.token, clean: true });
  try {
    await client.subscribe([topics.reply(clientId)], 1);
  } catch (err) {
    client.destroy();
    throw err;
  }
  return { client, topic: topics.userRequest(clientId, action) };
}
