import { openHistoryReads } from '@tidings/chat-query';
import { openDatabase } from '@tidings/db';
import { searchWords } from '@tidings/protocol';
import type { LeanClient } from '../lean-client.js';
import { Samples } from '../stats.js';
import { requester, roundTrips } from './round-trips.js';
import { serve } from './serve.js';

/**
 * Load generator of the search scenario. `mqtt`: a signed-in client asks chat-query for a page of
 * hits (`chat.search`, 20 hits) and waits for the reply, one request at a time, timing each round
 * trip. `query`: chat-query's own search read (reads.search: a prepared statement on a SQLite file,
 * Prisma on PostgreSQL) in this process, against the same database, without MQTT. Both first make
 * `warmup` untimed requests. `before` (a cursor) asks for a page deep in the hits: the generator
 * first pages `depth` times to find it.
 */

export interface SearchArgs {
  q: string;
  requests: number;
  warmup: number;
  /** Pages to skip first (0: the newest page). */
  depth: number;
}

export interface MqttSearchArgs extends SearchArgs {
  port: number;
  user: { username: string; token: string };
}

export interface QuerySearchArgs extends SearchArgs {
  databaseUrl: string;
  caller: string;
}

export interface SearchRunResult {
  latencies: number[];
  /** Hits in the last page. */
  hits: number;
  /** Conversations of the last page's hits (a check that only the caller's rooms answer). */
  conversations: string[];
  replyBytes: number;
}

const LIMIT = 20;

async function mqtt(args: MqttSearchArgs): Promise<SearchRunResult> {
  const { client, topic } = await requester(args.user, args.port, 'bench-s', 'chat.search');
  try {
    let before: string | undefined;
    if (args.depth > 0) {
      for (let i = 0; i < args.depth; i++) {
        const reply = await once(client, () =>
          client.publish(topic, JSON.stringify({ id: `d${i}`, q: args.q, limit: LIMIT, ...(before ? { before } : {}) }), 1),
        );
        const r = (JSON.parse(reply.toString('utf8')) as { r?: { next?: string } }).r;
        if (!r?.next) throw new Error(`chat.search ${args.q}: fewer than ${args.depth + 1} pages`);
        before = r.next;
      }
    }
    const run = await roundTrips(client, args, (i) => {
      client.publish(topic, JSON.stringify({ id: `s${i}`, q: args.q, limit: LIMIT, ...(before ? { before } : {}) }), 1);
    });
    const reply = JSON.parse(run.last.toString('utf8')) as { r?: { hits: { c: string }[] }; e?: unknown };
    if (reply.e !== undefined || !reply.r) throw new Error(`chat.search failed: ${JSON.stringify(reply.e)}`);
    return { latencies: run.latencies, hits: reply.r.hits.length, conversations: [...new Set(reply.r.hits.map((h) => h.c))], replyBytes: run.last.length };
  } finally {
    await client.end();
  }
}

function once(client: LeanClient, send: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no reply within 30 s')), 30_000);
    client.onMessage = (_t, payload) => {
      clearTimeout(timer);
      resolve(payload);
    };
    send();
  });
}

async function query(args: QuerySearchArgs): Promise<SearchRunResult> {
  const db = await openDatabase(args.databaseUrl);
  const reads = openHistoryReads(db);
  try {
    const words = searchWords(args.q);
    let before: string | undefined;
    for (let i = 0; i < args.depth; i++) {
      const rows = await reads.search({ caller: args.caller, words, before, take: LIMIT + 1 });
      if (rows.length <= LIMIT) throw new Error(`search ${args.q}: fewer than ${args.depth + 1} pages`);
      before = rows[LIMIT - 1]!.cursor;
    }
    const latencies = new Samples();
    let rows: Awaited<ReturnType<typeof reads.search>> = [];
    for (let i = 0; i < args.warmup + args.requests; i++) {
      const started = performance.now();
      rows = await reads.search({ caller: args.caller, words, before, take: LIMIT + 1 });
      const ms = performance.now() - started;
      if (i >= args.warmup) latencies.push(ms);
    }
    return {
      latencies: latencies.thinned(),
      hits: Math.min(LIMIT, rows.length),
      conversations: [...new Set(rows.map((r) => r.name ?? r.dmKey ?? ''))],
      replyBytes: 0,
    };
  } finally {
    reads.close();
    await db.close();
  }
}

serve({ mqtt, query });
