import { openDatabase } from '@tidings/db';
import type { ChatListenArgs, ChatRunArgs, ChatRunResult, ChatSetupArgs } from '../gen/chat.js';
import { cpuMeter, sleep, startGenerator, type Generator } from '../procs.js';
import { seedRoom, seedSignedInUsers } from '../seed.js';
import { concatSamples, summarize } from '../stats.js';
import { prepareData, startSut } from '../sut.js';
import type { Latency, ScenarioContext } from './context.js';
import type { RawBrokerResult } from './raw-broker.js';

/**
 * Scenario 2: N signed-in senders and M listening members of one room, through the broker →
 * chat-store → SQLite (WAL, synchronous=FULL) → the room topic → the members. chat-store's
 * per-user send limit (10/s, bursts of 20) is raised for the load generator, and said so.
 */

export interface E2eRun {
  /** Offered messages/s (fixed-rate runs); null at saturation. */
  offered: number | null;
  /** Messages stored and acknowledged per second. */
  persistedPerSecond: number;
  deliveriesPerSecond: number;
  /** send → ack (stored). */
  ack: Latency;
  /** send → a member has it. */
  delivery: Latency;
  errors: Record<string, number>;
  missingAcks: number;
  missingDeliveries: number;
  cpu: Record<string, number>;
}

export interface E2eResult {
  params: { senders: number; members: number; window: number; seconds: number; generators: number; database: string; sendRateSetting: string };
  saturation: E2eRun;
  fixed: E2eRun[];
  /**
   * Saturation of the same senders once all members but ONE have left the room's topic (same
   * system, after the runs above): the write path's own capacity, where 20 listeners make
   * delivery fan-out the bound.
   */
  oneListener?: E2eRun;
  /** Saturation throughput as a share of the raw brokers' one-to-one throughput (same run). */
  ratio: { toTidingsRaw: number | null; toMosquitto: number | null; p50At1000VsTidingsRaw: number | null };
}

const SEND_RATE = '10000';
const SEND_BURST = '100000';

export async function endToEnd(ctx: ScenarioContext, raw: RawBrokerResult | undefined): Promise<E2eResult> {
  const senders = 20;
  const members = 20;
  const window = 50;
  const generators = 2;
  const seconds = ctx.quick ? 1 : 8;
  const rates = ctx.quick ? [1000] : [250, 1000, 2000];
  ctx.note(
    `chat-store's per-user send limit raised to ${SEND_RATE}/s, burst ${SEND_BURST} (TIDINGS_SEND_RATE, TIDINGS_SEND_BURST) so ${senders} senders can offer the load`,
  );
  const shape = { senders, window, generators, seconds, warmupMs: ctx.quick ? 300 : 1000 };

  // The room of 20: saturation, then the fixed offered loads; then the same room with all but one
  // member gone from its topic: what the write path (broker → chat-store → SQLite → ack)
  // sustains when delivery fan-out is not what saturates first.
  const { big, small } = await measureRoom(ctx, { ...shape, members, rates });

  const tidingsRaw = raw?.systems.find((s) => s.system === 'tidings');
  const mosquitto = raw?.systems.find((s) => s.system === 'mosquitto');
  const at1000 = big.fixed.find((f) => f.offered === 1000);
  const ratio = (a: number, b: number | undefined) => (b ? Math.round((a / b) * 1000) / 1000 : null);
  return {
    params: {
      senders,
      members,
      window,
      seconds,
      generators,
      database: 'SQLite (WAL, synchronous=FULL)',
      sendRateSetting: `TIDINGS_SEND_RATE=${SEND_RATE} TIDINGS_SEND_BURST=${SEND_BURST}`,
    },
    saturation: big.saturation,
    fixed: big.fixed,
    oneListener: small.saturation,
    ratio: {
      toTidingsRaw: ratio(big.saturation.persistedPerSecond, tidingsRaw?.oneToOne.saturation.messagesPerSecond),
      toMosquitto: ratio(big.saturation.persistedPerSecond, mosquitto?.oneToOne.saturation.messagesPerSecond),
      p50At1000VsTidingsRaw: at1000 && tidingsRaw ? ratio(at1000.ack.p50, tidingsRaw.oneToOne.fixed.latency.p50) : null,
    },
  };
}

interface RoomPlan {
  senders: number;
  members: number;
  window: number;
  generators: number;
  seconds: number;
  warmupMs: number;
  rates: number[];
}

/**
 * One system under test with one room: saturation, then each fixed offered load, then
 * saturation again once every member but one has left the room's topic.
 */
async function measureRoom(ctx: ScenarioContext, plan: RoomPlan): Promise<{ big: { saturation: E2eRun; fixed: E2eRun[] }; small: { saturation: E2eRun } }> {
  const { generators, seconds, warmupMs } = plan;
  const room = 'bench';
  const prepared = await prepareData();
  const db = await openDatabase(prepared.databaseUrl);
  const sendUsers = await seedSignedInUsers(db, plan.senders, 's');
  const memberUsers = await seedSignedInUsers(db, plan.members, 'm');
  await seedRoom(db, room, [...sendUsers, ...memberUsers]);
  await db.close();

  const sut = await startSut({
    prepared,
    services: ['chat-store'],
    serviceEnv: { TIDINGS_SEND_RATE: SEND_RATE, TIDINGS_SEND_BURST: SEND_BURST },
  });
  const gens: Generator[] = [];
  try {
    for (let g = 0; g < generators; g++) gens.push(await startGenerator('chat'));
    await Promise.all(
      gens.map((gen, g) =>
        gen.call('setup', {
          port: sut.mqttPort,
          room,
          label: `g${g}x`,
          senders: sendUsers.filter((_, i) => i % generators === g),
          members: memberUsers.filter((_, i) => i % generators === g),
        } satisfies ChatSetupArgs),
      ),
    );
    const measure = async (run: Omit<ChatRunArgs, 'warmupMs' | 'durationMs'>, durationS = seconds): Promise<E2eRun> => {
      const cpu = cpuMeter({ ...sut.pids(), ...Object.fromEntries(gens.map((g, i) => [`generator${i + 1}`, g.pid])) });
      const perGen: ChatRunArgs = { ...run, warmupMs, durationMs: durationS * 1000 };
      if (run.rate !== undefined) perGen.rate = run.rate / generators;
      const parts = await Promise.all(gens.map((g) => g.call<ChatRunResult>('run', perGen)));
      const usage = cpu();
      const errors: Record<string, number> = {};
      for (const p of parts) for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
      return {
        offered: run.rate ?? null,
        persistedPerSecond: Math.round(parts.reduce((n, p) => n + p.acks, 0) / durationS),
        deliveriesPerSecond: Math.round(parts.reduce((n, p) => n + p.deliveries, 0) / durationS),
        ack: summarize(concatSamples(parts.map((p) => p.ackLatencies))),
        delivery: summarize(concatSamples(parts.map((p) => p.deliveryLatencies))),
        errors,
        missingAcks: parts.reduce((n, p) => n + p.missingAcks, 0),
        missingDeliveries: parts.reduce((n, p) => n + p.missingDeliveries, 0),
        cpu: usage,
      };
    };
    // warm the caches (users, room, memberships, sequence numbers) and the JIT
    await measure({ rate: 200 }, ctx.quick ? 0.5 : 1);
    const saturation = await measure({ window: plan.window });
    ctx.progress(
      `saturation, ${plan.members} listening: ${saturation.persistedPerSecond.toLocaleString('en')} msg/s stored, ack p50 ${saturation.ack.p50} ms, p99 ${saturation.ack.p99} ms`,
    );
    const fixed: E2eRun[] = [];
    for (const rate of plan.rates) {
      await sleep(500);
      const r = await measure({ rate });
      fixed.push(r);
      ctx.progress(
        `${rate}/s offered: ${r.persistedPerSecond.toLocaleString('en')} msg/s stored, ack p50/p95/p99 ${r.ack.p50}/${r.ack.p95}/${r.ack.p99} ms, delivery p99 ${r.delivery.p99} ms`,
      );
    }
    await Promise.all(gens.map((gen, g) => gen.call('listen', { listeners: g === 0 ? 1 : 0 } satisfies ChatListenArgs)));
    await sleep(500);
    const small = await measure({ window: plan.window });
    ctx.progress(
      `saturation, 1 listening: ${small.persistedPerSecond.toLocaleString('en')} msg/s stored, ack p50 ${small.ack.p50} ms, p99 ${small.ack.p99} ms`,
    );
    return { big: { saturation, fixed }, small: { saturation: small } };
  } finally {
    await Promise.all(gens.map((g) => g.kill()));
    await sut.stop();
  }
}
