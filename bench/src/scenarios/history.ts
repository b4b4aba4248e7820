import { openDatabase } from '@tidings/db';
import type { EchoArgs, RespondArgs } from '../gen/echo.js';
import type { HistoryRunResult, MqttHistoryArgs, QueryHistoryArgs } from '../gen/history.js';
import { findMosquitto, startGenerator, startMosquitto, type Generator } from '../procs.js';
import { benchDatabases, seedMessages, seedRoom, seedSignedInUsers } from '../seed.js';
import { summarize } from '../stats.js';
import { prepareData, startSut } from '../sut.js';
import type { Latency, ScenarioContext } from './context.js';

/**
 * Scenario 5: the newest page and a page 10,000 messages deep (50 messages each) from a room of
 * 1,000,000 messages, on SQLite and — when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set — on
 * PostgreSQL (a fresh schema, dropped afterwards). Timed through chat-query over MQTT (round
 * trip from a client) and as the bare queries chat-query makes; the baseline is the same round
 * trip through the broker alone (ours with auth off, and Mosquitto), answered by a client that
 * does no work with a reply of the newest page's size.
 *
 * Latency is that of a warmed-up system (see gen/history.ts): every run starts with untimed
 * requests, and the first ones after chat-query started are reported apart as the cold start.
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
  /** The newest page's first `params.cold` requests after chat-query and the broker started. */
  cold: Latency;
  /** Payload of a newest-page reply, bytes. */
  replyBytes: number;
}

export interface HistoryBaseline {
  system: 'tidings' | 'mosquitto';
  version: string;
  /** Request/reply round trip through the broker alone, reply of `replyBytes`. */
  roundTrip: Latency;
  replyBytes: number;
}

export interface HistoryResult {
  params: { messages: number; requests: number; warmup: number; cold: number; pageSize: number };
  databases: HistoryDb[];
  baselines: HistoryBaseline[];
  postgres?: string;
  mosquitto?: string;
}

export async function history(ctx: ScenarioContext): Promise<HistoryResult> {
  const messages = ctx.quick ? 100_000 : 1_000_000;
  const requests = ctx.quick ? 200 : 1_000;
  const warmup = ctx.quick ? 300 : 3_000;
  const cold = ctx.quick ? 100 : 500;
  const result: HistoryResult = { params: { messages, requests, warmup, cold, pageSize: 50 }, databases: [], baselines: [] };
  const { targets, skipped } = benchDatabases();
  if (skipped) {
    result.postgres = skipped;
    ctx.note(skipped);
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
        let coldStart: Latency | undefined;
        let replyBytes = 0;
        for (const [page, before] of [
          ['newest', undefined],
          ['10,000 deep', messages - 10_000 + 1],
        ] as const) {
          const base = { room: 'big', requests, warmup, ...(before === undefined ? {} : { before }) };
          // Only the first run after start is cold: the newest page's.
          const viaMqtt = await gen.call<HistoryRunResult>('mqtt', {
            ...base,
            cold: page === 'newest' ? cold : 0,
            port: sut.mqttPort,
            user: reader,
          } satisfies MqttHistoryArgs);
          const viaQuery = await gen.call<HistoryRunResult>('query', {
            ...base,
            databaseUrl: prepared.databaseUrl,
            caller: reader.username,
          } satisfies QueryHistoryArgs);
          const expectFirst = (before ?? messages + 1) - 50;
          if (viaMqtt.messages !== 50 || viaMqtt.firstSeq !== expectFirst)
            throw new Error(`the ${page} page was not messages ${expectFirst}…${expectFirst + 49} (got ${viaMqtt.messages} from ${viaMqtt.firstSeq})`);
          const p: HistoryPage = { page, mqtt: summarize(viaMqtt.latencies), query: summarize(viaQuery.latencies) };
          if (page === 'newest') {
            coldStart = summarize(viaMqtt.cold);
            replyBytes = viaMqtt.replyBytes;
            ctx.progress(`${target.database} newest page, first ${cold} requests after start: p50 ${coldStart.p50} ms, p99 ${coldStart.p99} ms`);
          }
          pages.push(p);
          ctx.progress(
            `${target.database} ${page} page: chat.history p50 ${p.mqtt.p50} ms, p99 ${p.mqtt.p99} ms; query p50 ${p.query.p50} ms, p99 ${p.query.p99} ms`,
          );
        }
        result.databases.push({ database: target.database, messages, seedSeconds: Math.round(seedSeconds * 10) / 10, pages, cold: coldStart!, replyBytes });
      } finally {
        await gen.kill();
        await sut.stop();
      }
    } finally {
      await target.drop?.();
    }
  }

  const replyBytes = result.databases[0]?.replyBytes;
  if (replyBytes) result.baselines = await baselines(ctx, result, { replyBytes, requests, warmup });
  return result;
}

/** The same round trip through the broker alone: our broker (auth off) and Mosquitto. */
async function baselines(
  ctx: ScenarioContext,
  result: HistoryResult,
  args: { replyBytes: number; requests: number; warmup: number },
): Promise<HistoryBaseline[]> {
  const binary = findMosquitto();
  if (!binary) {
    result.mosquitto = 'mosquitto not found (looked in BENCH_MOSQUITTO and the usual sbin/bin folders): its history baseline skipped';
    ctx.note(result.mosquitto);
  }
  const out: HistoryBaseline[] = [];
  for (const system of binary ? (['tidings', 'mosquitto'] as const) : (['tidings'] as const)) {
    const broker =
      system === 'tidings'
        ? await startSut({ auth: false }).then((s) => ({ port: s.mqttPort, version: 'aedes 1.2.0, auth off', stop: () => s.stop() }))
        : await startMosquitto(binary!, { noDelay: true }).then((m) => ({
            port: m.port,
            version: `mosquitto ${m.version}, set_tcp_nodelay`,
            stop: () => m.stop(),
          }));
    const gens: Generator[] = [];
    try {
      const responder = await startGenerator('echo');
      gens.push(responder);
      const client = await startGenerator('echo');
      gens.push(client);
      await responder.call('respond', { port: broker.port, replyBytes: args.replyBytes } satisfies RespondArgs);
      const run = await client.call<HistoryRunResult>('echo', { port: broker.port, requests: args.requests, warmup: args.warmup } satisfies EchoArgs);
      if (run.replyBytes !== args.replyBytes) throw new Error(`echo replies were ${run.replyBytes} bytes, not ${args.replyBytes}`);
      const roundTrip = summarize(run.latencies);
      out.push({ system, version: broker.version, roundTrip, replyBytes: args.replyBytes });
      ctx.progress(`${system} broker alone, ${args.replyBytes}-byte replies: p50 ${roundTrip.p50} ms, p99 ${roundTrip.p99} ms`);
    } finally {
      for (const g of gens) await g.kill();
      await broker.stop();
    }
  }
  return out;
}
