import { findConversation, openHistoryReads } from '@tidings/chat-query';
import { openDatabase } from '@tidings/db';
import { Samples } from '../stats.js';
import { requester, roundTrips } from './round-trips.js';
import { serve } from './serve.js';

/**
 * Load generator of the history scenario. `mqtt`: a signed-in client asks chat-query for a page
 * (`chat.history`, 50 messages) and waits for the reply, one request at a time, timing each
 * round trip. `query`: the same two queries chat-query's handler makes (the conversation, then
 * the page: chat-query's own functions, on the path chat-query takes — prepared statements on a
 * SQLite file, Prisma on PostgreSQL) in this process, against the same database, without MQTT.
 * Its baseline, the same round trip through a broker alone, is gen/echo.ts.
 *
 * Every run first makes `warmup` requests that are not timed: the processes under test have just
 * started, and V8 compiles a hot path with its optimizing tier only after some thousands of calls
 * (a round trip through a fresh broker is 3–5 times slower for its first 500 requests than after
 * 3,000). The first `cold` of them are returned apart, so the cold start is reported too.
 */

export interface HistoryArgs {
  room: string;
  /** Timed requests, after the warm-up. */
  requests: number;
  /** Untimed requests before them. */
  warmup: number;
  /** How many of the first warm-up requests to return as `cold` samples (≤ warmup). */
  cold?: number;
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
  /** The first `cold` warm-up requests (empty when none were asked for). */
  cold: number[];
  /** Messages in the last page (a check that it was a full page). */
  messages: number;
  firstSeq: number;
  /** Size of the last reply's payload (MQTT only). */
  replyBytes: number;
}

async function mqtt(args: MqttHistoryArgs): Promise<HistoryRunResult> {
  const { client, topic } = await requester(args.user, args.port, 'bench-h', 'chat.history');
  try {
    const run = await roundTrips(client, args, (i) => {
      const body: Record<string, unknown> = { id: `h${i}`, c: args.room, limit: 50 };
      if (args.before !== undefined) body.before = args.before;
      client.publish(topic, JSON.stringify(body), 1);
    });
    const reply = JSON.parse(run.last.toString('utf8')) as { id: string; r?: { messages: { s: number }[] }; e?: unknown };
    if (reply.e !== undefined || !reply.r) throw new Error(`chat.history failed: ${JSON.stringify(reply.e)}`);
    const messages = reply.r.messages;
    return { latencies: run.latencies, cold: run.cold, messages: messages.length, firstSeq: messages[0]?.s ?? 0, replyBytes: run.last.length };
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
    for (let i = 0; i < args.warmup + args.requests; i++) {
      const started = performance.now();
      const conv = await findConversation(reads, args.caller, args.room);
      if (!conv) throw new Error(`no room ${args.room}`);
      const below = args.before === undefined ? conv.lastSeq + 1 : Math.min(args.before, conv.lastSeq + 1);
      rows = await reads.olderThan({ conversationId: conv.id, caller: args.caller, take: 51, below });
      const ms = performance.now() - started;
      if (i >= args.warmup) latencies.push(ms);
    }
    return {
      latencies: latencies.thinned(),
      cold: [],
      messages: Math.min(50, rows.length),
      firstSeq: rows[Math.min(49, rows.length - 1)]?.s ?? 0,
      replyBytes: 0,
    };
  } finally {
    reads.close();
    await db.close();
  }
}

serve({ mqtt, query });
