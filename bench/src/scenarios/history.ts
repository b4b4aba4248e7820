import { openDatabase } from '@tidings/db';
import type { HistoryRunResult, MqttHistoryArgs, QueryHistoryArgs } from '../gen/history.js';
import { startGenerator } from '../procs.js';
import { postgresBenchUrl, seedMessages, seedRoom, seedSignedInUsers } from '../seed.js';
import { summarize } from '../stats.js';
import { prepareData, startSut } from '../sut.js';
import type { Latency, ScenarioContext } from './context.js';

/**
 * Scenario 5: the newest page and a page 10,000 messages deep (50 messages each) from a room of
 * 1,000,000 messages, on SQLite and — when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set — on
 * PostgreSQL (a fresh schema, dropped afterwards). Timed through chat-query over MQTT (round
 * trip from a client) and as the bare queries chat-query makes.
 */

export interface HistoryPage {
  page: 'newest' | '10,000 deep';
  /** Round trip of chat.history through the broker and chat-query. */
  mqtt: Latency;
  /** The conversation lookup + page query, in a process of their own, as chat-query runs them
   * (prepared better-sqlite3 statements on SQLite, Prisma on PostgreSQL). */
  query: Latency;
}

export interface HistoryDb {
  database: 'SQLite' | 'PostgreSQL';
  messages: number;
  seedSeconds: number;
  pages: HistoryPage[];
}

export interface HistoryResult {
  params: { messages: number; requests: number; pageSize: number };
  databases: HistoryDb[];
  postgres?: string;
}

export async function history(ctx: ScenarioContext): Promise<HistoryResult> {
  const messages = ctx.quick ? 100_000 : 1_000_000;
  const requests = ctx.quick ? 100 : 500;
  const result: HistoryResult = { params: { messages, requests, pageSize: 50 }, databases: [] };
  const pgBase = process.env.BENCH_POSTGRES_URL || process.env.TEST_POSTGRES_URL;
  const targets: { database: 'SQLite' | 'PostgreSQL'; url?: string; drop?: () => Promise<void> }[] = [{ database: 'SQLite' }];
  if (pgBase) {
    const pg = postgresBenchUrl(pgBase);
    targets.push({ database: 'PostgreSQL', url: pg.url, drop: pg.drop });
  } else {
    result.postgres = 'PostgreSQL skipped: set BENCH_POSTGRES_URL (or TEST_POSTGRES_URL) to run it';
    ctx.note(result.postgres);
  }

  for (const target of targets) {
    try {
      const prepared = await prepareData(target.url);
      const db = await openDatabase(prepared.databaseUrl);
      const senders = await seedSignedInUsers(db, 10, 'h');
      const roomId = await seedRoom(db, 'big', senders);
      await db.close();
      ctx.progress(`${target.database}: seeding ${messages.toLocaleString('en')} messages`);
      const seedSeconds = await seedMessages(prepared.databaseUrl, roomId, senders, messages);
      ctx.progress(`${target.database}: seeded in ${seedSeconds.toFixed(1)} s`);
      const sut = await startSut({ prepared, services: ['chat-query'] });
      const gen = await startGenerator('history');
      try {
        const reader = senders[0]!;
        const pages: HistoryPage[] = [];
        for (const [page, before] of [
          ['newest', undefined],
          ['10,000 deep', messages - 10_000 + 1],
        ] as const) {
          const base = { room: 'big', requests, ...(before === undefined ? {} : { before }) };
          const viaMqtt = await gen.call<HistoryRunResult>('mqtt', { ...base, port: sut.mqttPort, user: reader } satisfies MqttHistoryArgs);
          const viaQuery = await gen.call<HistoryRunResult>('query', { ...base, databaseUrl: prepared.databaseUrl, caller: reader.username } satisfies QueryHistoryArgs);
          const expectFirst = (before ?? messages + 1) - 50;
          if (viaMqtt.messages !== 50 || viaMqtt.firstSeq !== expectFirst) throw new Error(`the ${page} page was not messages ${expectFirst}…${expectFirst + 49} (got ${viaMqtt.messages} from ${viaMqtt.firstSeq})`);
          const p: HistoryPage = { page, mqtt: summarize(viaMqtt.latencies), query: summarize(viaQuery.latencies) };
          pages.push(p);
          ctx.progress(`${target.database} ${page} page: chat.history p50 ${p.mqtt.p50} ms, p99 ${p.mqtt.p99} ms; query p50 ${p.query.p50} ms, p99 ${p.query.p99} ms`);
        }
        result.databases.push({ database: target.database, messages, seedSeconds: Math.round(seedSeconds * 10) / 10, pages });
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
