import { LeanClient } from '../lean-client.js';
import type { HistoryRunResult } from './history.js';
import { roundTrips } from './round-trips.js';
import { serve } from './serve.js';

/**
 * Baseline of the history scenario, in two generator processes: `respond` answers every request
 * with a reply of a given size, doing no other work; `echo` times request/reply round trips
 * through the broker to it, one at a time, as gen/history.ts times chat.history (same warm-up).
 * A generator of its own so that starting one does not load chat-query and Prisma.
 */

export interface RespondArgs {
  port: number;
  /** Size of every reply payload. */
  replyBytes: number;
}

export interface EchoArgs {
  port: number;
  requests: number;
  warmup: number;
}

const ECHO_REQUEST = 'bench/echo/req/';
const ECHO_REPLY = 'bench/echo/rep/';

let responder: LeanClient | undefined;

/** Answers every request on `bench/echo/req/<client>` with a reply of `replyBytes` on `bench/echo/rep/<client>`, until the process ends. */
async function respond(args: RespondArgs): Promise<void> {
  if (responder) throw new Error('this generator already responds');
  const client = await LeanClient.connect({ host: '127.0.0.1', port: args.port, clientId: 'bench-echo-responder', clean: true });
  await client.subscribe([`${ECHO_REQUEST}+`], 1);
  client.onMessage = (topic, payload) => {
    // As little as a service could do: read the id, answer in the reply envelope.
    const { id } = JSON.parse(payload.toString('utf8')) as { id: string };
    const head = `{"id":${JSON.stringify(id)},"r":"`;
    const fill = Math.max(0, args.replyBytes - head.length - 2);
    client.publish(ECHO_REPLY + topic.slice(ECHO_REQUEST.length), `${head}${'x'.repeat(fill)}"}`, 1);
  };
  responder = client;
}

async function echo(args: EchoArgs): Promise<HistoryRunResult> {
  const clientId = 'bench-echo-client';
  const client = await LeanClient.connect({ host: '127.0.0.1', port: args.port, clientId, clean: true });
  try {
    await client.subscribe([ECHO_REPLY + clientId], 1);
    const run = await roundTrips(client, args, (i) => client.publish(ECHO_REQUEST + clientId, JSON.stringify({ id: `h${i}`, c: 'big', limit: 50 }), 1));
    return { latencies: run.latencies, cold: run.cold, messages: 0, firstSeq: 0, replyBytes: run.last.length };
  } finally {
    await client.end();
  }
}

serve({ respond, echo });
