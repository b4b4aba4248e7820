import { findConversation, openHistoryReads } from '@tidings/chat-query';
import { openDatabase } from '@tidings/db';
import { topics } from '@tidings/protocol';
import { LeanClient } from '../lean-client.js';
import { Samples } from '../stats.js';
import { serve } from './serve.js';

/**
 * Load generator of the history scenario. `mqtt`: a signed-in client asks chat-query for a page
 * (`chat.history`, 50 messages) and waits for the reply, one request at a time, timing each
 * round trip. `query`: the same two queries chat-query's handler makes (the conversation, then
 * the page: chat-query's own functions, on the path chat-query takes — prepared statements on a
 * SQLite file, Prisma on PostgreSQL) in this process, against the same database, without MQTT.
 */

export interface HistoryArgs {
  room: string;
  requests: number;
  /** Page below this sequence number; undefined = the newest page. */
  before?: number;
}

export interface MqttHistoryArgs extends HistoryArgs {
  port: number;
  user: { username: string; token: string };
}

export interface QueryHistoryArgs extends HistoryArgs {
  databaseUrl: string;
  caller: string;
}

export interface HistoryRunResult {
  latencies: number[];
  /** Messages in the last page (a check that it was a full page). */
  messages: number;
  firstSeq: number;
}

const WARMUP = 20;

async function mqtt(args: MqttHistoryArgs): Promise<HistoryRunResult> {
  const clientId = `${args.user.username}:bench-h`;
  const client = await LeanClient.connect({ host: '127.0.0.1', port: args.port, clientId, username: args.user.username, password: args.user.token, clean: true });
  try {
    await client.subscribe([topics.reply(clientId)], 1);
    const topic = topics.userRequest(clientId, 'chat.history');
    let waiter: ((payload: Buffer) => void) | undefined;
    client.onMessage = (_t, payload) => waiter?.(payload);
    const latencies = new Samples();
    let last: { messages: { s: number }[] } = { messages: [] };
    for (let i = 0; i < WARMUP + args.requests; i++) {
      const id = `h${i}`;
      const body: Record<string, unknown> = { id, c: args.room, limit: 50 };
      if (args.before !== undefined) body.before = args.before;
      const started = performance.now();
      const payload = await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no chat.history reply within 10 s')), 10_000);
        waiter = (p) => {
          clearTimeout(timer);
          resolve(p);
        };
        client.publish(topic, JSON.stringify(body), 1);
      });
      const ms = performance.now() - started;
      const reply = JSON.parse(payload.toString('utf8')) as { id: string; r?: { messages: { s: number }[] }; e?: unknown };
      if (reply.e !== undefined || !reply.r) throw new Error(`chat.history failed: ${JSON.stringify(reply.e)}`);
      last = reply.r;
      if (i >= WARMUP) latencies.push(ms);
    }
    return { latencies: latencies.thinned(), messages: last.messages.length, firstSeq: last.messages[0]?.s ?? 0 };
  } finally {
    await client.end();
  }
}

async function query(args: QueryHistoryArgs): Promise<HistoryRunResult> {
  const db = await openDatabase(args.databaseUrl);
  const reads = openHistoryReads(db);
  try {
    const latencies = new Samples();
    let rows: { s: number }[] = [];
    for (let i = 0; i < WARMUP + args.requests; i++) {
      const started = performance.now();
      const conv = await findConversation(reads, args.caller, args.room);
      if (!conv) throw new Error(`no room ${args.room}`);
      const below = args.before === undefined ? conv.lastSeq + 1 : Math.min(args.before, conv.lastSeq + 1);
      rows = await reads.olderThan({ conversationId: conv.id, caller: args.caller, take: 51, below });
      const ms = performance.now() - started;
      if (i >= WARMUP) latencies.push(ms);
    }
    return { latencies: latencies.thinned(), messages: Math.min(50, rows.length), firstSeq: rows[Math.min(49, rows.length - 1)]?.s ?? 0 };
  } finally {
    reads.close();
    await db.close();
  }
}

serve({ mqtt, query });
