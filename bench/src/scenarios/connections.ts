import { openDatabase } from '@tidings/db';
import type { ConnectArgs, ConnectResult } from '../gen/conns.js';
import { cpuMeter, httpJson, rssOf, sleep, startGenerator, type Generator } from '../procs.js';
import { seedRoom, seedSignedInUsers } from '../seed.js';
import { prepareData, startSut } from '../sut.js';
import type { ScenarioContext } from './context.js';

/**
 * Scenario 4: 1k, 5k and 10k signed-in clients on one broker over WebSocket: how fast they
 * connect (each CONNECT checks its session token in the database) and the broker's resident
 * memory (VmRSS) with all of them connected. Sessions are made directly in the database.
 */

export interface ConnectionStep {
  clients: number;
  /** Clients added in this step, per second of wall time. */
  connectsPerSecond: number;
  failed: number;
  firstError?: string;
  brokerRssMiB: number;
  /** (RSS − idle RSS) / clients. */
  kibPerClient: number;
  brokerCpu: number;
}

export interface ConnectionsResult {
  params: { generators: number; concurrencyPerGenerator: number; transport: string };
  idleRssMiB: number;
  steps: ConnectionStep[];
}

const MiB = 2 ** 20;

export async function connections(ctx: ScenarioContext): Promise<ConnectionsResult> {
  const steps = ctx.quick ? [500] : [1000, 5000, 10_000];
  const total = steps.at(-1)!;
  const generators = ctx.quick ? 2 : 4;
  const concurrency = 50;
  const room = 'general';
  const prepared = await prepareData();
  const db = await openDatabase(prepared.databaseUrl);
  ctx.progress(`making ${total.toLocaleString('en')} users and sessions`);
  const users = await seedSignedInUsers(db, total, 'c');
  await seedRoom(db, room, users);
  await db.close();
  const sut = await startSut({ prepared });
  const gens: Generator[] = [];
  try {
    for (let g = 0; g < generators; g++) gens.push(await startGenerator('conns'));
    await sleep(1000);
    const idleRss = rssOf(sut.broker.pid);
    const result: ConnectionsResult = {
      params: { generators, concurrencyPerGenerator: concurrency, transport: 'MQTT over WebSocket (ws://), @tidings/client' },
      idleRssMiB: Math.round(idleRss / MiB),
      steps: [],
    };
    let done = 0;
    for (const step of steps) {
      const batch = users.slice(done, step);
      const cpu = cpuMeter({ broker: sut.broker.pid });
      const started = performance.now();
      const parts = await Promise.all(
        gens.map((g, i) =>
          g.call<ConnectResult>('connect', {
            wsUrl: `ws://127.0.0.1:${sut.httpPort}/mqtt`,
            users: batch.filter((_, k) => k % generators === i).map((u) => ({ username: u.username, token: u.token })),
            room,
            concurrency,
          } satisfies ConnectArgs),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      const brokerCpu = cpu().broker!;
      done = step;
      await sleep(2000); // let the broker settle (pending session writes, GC)
      const health = (await httpJson(`http://127.0.0.1:${sut.httpPort}/healthz`)) as { connections?: number } | null;
      const rss = rssOf(sut.broker.pid);
      const failed = parts.reduce((n, p) => n + p.failed, 0);
      const s: ConnectionStep = {
        clients: health?.connections ?? step - failed,
        connectsPerSecond: Math.round(batch.length / seconds),
        failed,
        brokerRssMiB: Math.round(rss / MiB),
        kibPerClient: Math.round(((rss - idleRss) / Math.max(1, step - failed) / 1024) * 10) / 10,
        brokerCpu,
      };
      const firstError = parts.find((p) => p.firstError)?.firstError;
      if (firstError) s.firstError = firstError;
      result.steps.push(s);
      ctx.progress(
        `${s.clients.toLocaleString('en')} clients: ${s.connectsPerSecond} connects/s, broker RSS ${s.brokerRssMiB} MiB (${s.kibPerClient} KiB per client)${failed ? `, ${failed} failed: ${firstError}` : ''}`,
      );
    }
    return result;
  } finally {
    await Promise.all(gens.map((g) => g.kill()));
    await sut.stop();
  }
}
