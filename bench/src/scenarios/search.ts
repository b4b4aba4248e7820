import { openDatabase } from '@tidings/db';
import type { MqttSearchArgs, QuerySearchArgs, SearchRunResult } from '../gen/search.js';
import { startGenerator } from '../procs.js';
import { benchDatabases, searchVocabulary, seedRoom, seedSearchCorpus, seedSignedInUsers } from '../seed.js';
import { summarize } from '../stats.js';
import { prepareData, startSut } from '../sut.js';
import type { Latency, ScenarioContext } from './context.js';

/**
 * Scenario 9: chat.search over a large corpus — BENCH_SEARCH_MESSAGES messages (default
 * 1,000,000; 100,000 with --quick) in 10 rooms, the searching user a member of 5 of them — on
 * SQLite (FTS5) and, when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set, PostgreSQL (tsvector +
 * GIN). Each query is timed through chat-query over MQTT (round trip from a client, a page of 20
 * hits) and as the bare read chat-query makes. The queries span what people type: a rare word, a
 * word in one message of 20, two words, a three-letter prefix of a common word, a word no message
 * has, and the common word's tenth page (a cursor 180 hits deep).
 */

export interface SearchQueryResult {
  query: string;
  q: string;
  /** Hits in the page (20 unless fewer match). */
  hits: number;
  mqtt: Latency;
  read: Latency;
}

export interface SearchDb {
  database: 'SQLite' | 'PostgreSQL';
  messages: number;
  seedSeconds: number;
  queries: SearchQueryResult[];
  replyBytes: number;
}

export interface SearchResult {
  params: { messages: number; rooms: number; memberOf: number; vocabulary: number; requests: number; warmup: number; pageSize: number };
  /** PostgreSQL's requests per query (fewer: a common word costs it hundreds of ms a request). */
  postgresRequests?: { requests: number; warmup: number };
  databases: SearchDb[];
  postgres?: string;
}

const ROOMS = 10;
const VOCABULARY = 20_000;

/** The corpus size: BENCH_SEARCH_MESSAGES, else 1,000,000 (100,000 with --quick). */
export function searchCorpusSize(quick: boolean, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_SEARCH_MESSAGES;
  if (raw === undefined || raw === '') return quick ? 100_000 : 1_000_000;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1000 || n > 100_000_000) throw new Error(`BENCH_SEARCH_MESSAGES: a whole number from 1000 to 100000000, not ${raw}`);
  return n;
}

export async function search(ctx: ScenarioContext): Promise<SearchResult> {
  const messages = searchCorpusSize(ctx.quick);
  const requests = ctx.quick ? 100 : 300;
  const warmup = ctx.quick ? 100 : 300;
  const pgRequests = ctx.quick ? { requests, warmup } : { requests: 50, warmup: 20 };
  const vocabulary = searchVocabulary(VOCABULARY);
  const common = vocabulary[7]!; // slot 3: in about 1 message of 20
  const mid = vocabulary[150]!; // slot 2: 1 of 200
  const rare = vocabulary[VOCABULARY - 12]!; // slots 0, 4, 5 only: about 3 of 20,000
  const queries: { query: string; q: string; depth: number }[] = [
    { query: 'rare word', q: rare, depth: 0 },
    { query: 'common word (1 message in 20)', q: common, depth: 0 },
    { query: 'two words', q: `${common} ${mid}`, depth: 0 },
    { query: 'prefix of 3 letters', q: common.slice(0, 3), depth: 0 },
    { query: 'no message has it', q: 'zzyzzyva', depth: 0 },
    { query: 'common word, 10th page', q: common, depth: 9 },
  ];
  const result: SearchResult = {
    params: { messages, rooms: ROOMS, memberOf: ROOMS / 2, vocabulary: VOCABULARY, requests, warmup, pageSize: 20 },
    databases: [],
    postgresRequests: pgRequests,
  };
  const { targets, skipped } = benchDatabases();
  if (skipped) {
    result.postgres = skipped;
    ctx.note(skipped);
  }

  for (const target of targets) {
    try {
      const prepared = await prepareData(target.url);
      const db = await openDatabase(prepared.databaseUrl);
      const senders = await seedSignedInUsers(db, 10, 's');
      const reader = senders[0]!;
      const rooms: string[] = [];
      // the reader is in the even rooms only; every other sender is in all of them
      for (let k = 0; k < ROOMS; k++) rooms.push(await seedRoom(db, `search-${k}`, k % 2 === 0 ? senders : senders.slice(1)));
      await db.close();
      ctx.progress(`${target.database}: seeding ${messages.toLocaleString('en')} messages (and their search index)`);
      const seedSeconds = await seedSearchCorpus(prepared.databaseUrl, rooms, senders, vocabulary, messages);
      ctx.progress(`${target.database}: seeded in ${seedSeconds.toFixed(1)} s`);
      const sut = await startSut({ prepared, services: ['chat-query'] });
      const gen = await startGenerator('search');
      try {
        const out: SearchQueryResult[] = [];
        let replyBytes = 0;
        for (const q of queries) {
          const counts = target.database === 'PostgreSQL' ? pgRequests : { requests, warmup };
          const base = { q: q.q, ...counts, depth: q.depth };
          const viaMqtt = await gen.call<SearchRunResult>('mqtt', { ...base, port: sut.mqttPort, user: reader } satisfies MqttSearchArgs);
          const viaRead = await gen.call<SearchRunResult>('query', {
            ...base,
            databaseUrl: prepared.databaseUrl,
            caller: reader.username,
          } satisfies QuerySearchArgs);
          const foreign = viaMqtt.conversations.filter((c) => !/^search-\d*[02468]$/.test(c));
          if (foreign.length > 0) throw new Error(`chat.search ${q.q} answered from rooms the reader is not in: ${foreign.join(', ')}`);
          if (viaMqtt.hits !== viaRead.hits) throw new Error(`chat.search ${q.q}: ${viaMqtt.hits} hits over MQTT, ${viaRead.hits} from the read`);
          if (q.query === 'common word (1 message in 20)') replyBytes = viaMqtt.replyBytes;
          const r: SearchQueryResult = { query: q.query, q: q.q, hits: viaMqtt.hits, mqtt: summarize(viaMqtt.latencies), read: summarize(viaRead.latencies) };
          out.push(r);
          ctx.progress(
            `${target.database} ${q.query} (${r.hits} hits): chat.search p50 ${r.mqtt.p50} ms, p99 ${r.mqtt.p99} ms; read p50 ${r.read.p50} ms, p99 ${r.read.p99} ms`,
          );
        }
        result.databases.push({ database: target.database, messages, seedSeconds: Math.round(seedSeconds * 10) / 10, queries: out, replyBytes });
      } finally {
        await gen.kill();
        await sut.stop();
      }
    } finally {
      await target.drop?.();
    }
  }
  return result;
}
