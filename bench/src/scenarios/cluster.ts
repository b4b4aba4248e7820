import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openDatabase } from '@tidings/db';
import { haproxyTestConfig } from '@tidings/testkit';
import { Redis } from 'ioredis';
import { connect, type MqttClient } from 'mqtt';
import type { ConnectArgs, ConnectResult } from '../gen/conns.js';
import type { RunArgs, RunResult, SetupArgs } from '../gen/raw.js';
import {
  ROOT,
  cpuMeter,
  exited,
  freePort,
  httpJson,
  rssOf,
  sleep,
  spawnNode,
  startGenerator,
  tempDir,
  waitForPort,
  type Generator,
  type Spawned,
} from '../procs.js';
import { postgresBenchUrl, seedRoom, seedSignedInUsers } from '../seed.js';
import { summarize } from '../stats.js';
import { prepareData, type Prepared } from '../sut.js';
import type { Latency, ScenarioContext, Skipped } from './context.js';

/**
 * Scenario `cluster`: what a second broker on one Redis buys on this machine.
 * - Deliveries per second (plain MQTT, QoS 1, auth off, the raw scenario's load generator): one
 *   broker alone (the baseline, measured in the same run), one broker on Redis, two brokers with
 *   each pair on one of them, and two brokers with every message crossing from A to B.
 * - Connection capacity: signed-in WebSocket clients (the connections scenario's generator) on
 *   one broker, then twice as many over two brokers on Redis; RSS of each broker.
 * - Failover: a subscriber with a persistent session enters through HAProxy (a door that prefers
 *   broker A, falling back to B); a publisher on B sends every 5 ms; broker A is SIGKILLed.
 *   From the kill to the first message after the subscriber reconnected, and what was lost.
 * Needs Redis (BENCH_REDIS_URL, TEST_REDIS_URL or redis://127.0.0.1:6379); failover needs
 * `haproxy` on the PATH; connections use PostgreSQL when BENCH_POSTGRES_URL/TEST_POSTGRES_URL is set.
 */

export interface ClusterDeliveryRun {
  setup: string;
  brokers: number;
  redis: boolean;
  oneToOne: { deliveriesPerSecond: number; latency: Latency; cpu: number };
  fanOut: { deliveriesPerSecond: number; latency: Latency; cpu: number };
}

export interface ClusterConnectionRun {
  setup: string;
  brokers: number;
  clients: number;
  connectsPerSecond: number;
  failed: number;
  firstError?: string;
  /** RSS of each broker with all clients connected, and idle before. */
  rssMiB: number[];
  idleRssMiB: number[];
  kibPerClient: number;
  /** CPU share of all brokers together while connecting (1 = one core). */
  brokerCpu: number;
}

export interface ClusterFailoverRun {
  /** SIGKILL of broker A → the subscriber's CONNACK through HAProxy (from broker B). */
  reconnectMs: number;
  /** SIGKILL → the first message received after it. */
  firstMessageMs: number;
  /** Published during the run, received at least once, never received, received twice. */
  published: number;
  received: number;
  lost: number;
  duplicates: number;
}

export interface ClusterResult {
  params: {
    pairs: number;
    pairWindow: number;
    subscribers: number;
    fanWindow: number;
    seconds: number;
    connections: { one: number; two: number };
    database: string;
  };
  deliveries: ClusterDeliveryRun[];
  connections: ClusterConnectionRun[];
  failover: { runs: ClusterFailoverRun[] } | Skipped;
}

const MiB = 2 ** 20;

/** Clients on one broker and on two: BENCH_CLUSTER_CLIENTS (on two; half on one), else 500/1,000 quick and 10,000/20,000 full. */
function connectionCounts(quick: boolean): { one: number; two: number } {
  const two = Number(process.env.BENCH_CLUSTER_CLIENTS) || (quick ? 1000 : 20_000);
  return { one: Math.ceil(two / 2), two };
}

interface Broker {
  proc: Spawned;
  mqttPort: number;
  httpPort: number;
}

export async function cluster(ctx: ScenarioContext): Promise<ClusterResult | Skipped> {
  const redisUrl = process.env.BENCH_REDIS_URL || process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    const skipped = `Redis at ${new URL(redisUrl).host} is unreachable (${(err as Error).message}): set BENCH_REDIS_URL`;
    ctx.note(skipped);
    return { skipped };
  }
  const prefix = `bench-cluster-${randomBytes(6).toString('hex')}`;
  const params: ClusterResult['params'] = {
    pairs: 10,
    pairWindow: 10,
    subscribers: 100,
    fanWindow: 5,
    seconds: ctx.quick ? 0.5 : 5,
    connections: connectionCounts(ctx.quick),
    database: '',
  };
  try {
    const deliveries = await measureDeliveries(ctx, params, redisUrl, prefix);
    const connections = await measureConnections(ctx, params, redisUrl, prefix);
    const failover = await measureFailover(ctx, redisUrl, prefix);
    return { params, deliveries, connections, failover };
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    await redis.quit();
  }
}

async function startBroker(name: string, env: NodeJS.ProcessEnv): Promise<Broker> {
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const proc = spawnNode(name, path.join(ROOT, 'apps/broker/dist/main.js'), {
    ...process.env,
    TIDINGS_HOST: '127.0.0.1',
    TIDINGS_MQTT_PORT: String(mqttPort),
    TIDINGS_HTTP_PORT: String(httpPort),
    TIDINGS_LOG_LEVEL: 'warn',
    TIDINGS_LOG_FORMAT: 'json',
    TIDINGS_MAX_CONNECTS_PER_MINUTE: '0',
    NODE_ENV: 'production',
    ...env,
  });
  try {
    await waitForPort(httpPort, 30_000, proc);
    await waitForPort(mqttPort, 30_000, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { proc, mqttPort, httpPort };
}

async function startBrokers(count: number, env: NodeJS.ProcessEnv): Promise<Broker[]> {
  const brokers: Broker[] = [];
  try {
    for (let i = 0; i < count; i++) brokers.push(await startBroker(`broker-${'ab'[i]}`, env));
  } catch (err) {
    await Promise.all(brokers.map((b) => b.proc.stop()));
    throw err;
  }
  return brokers;
}

async function measureDeliveries(ctx: ScenarioContext, params: ClusterResult['params'], redisUrl: string, prefix: string): Promise<ClusterDeliveryRun[]> {
  const setups: { setup: string; brokers: number; redis: boolean; spread: (ports: number[]) => { pub: number[]; sub: number[] } }[] = [
    { setup: 'one broker (baseline)', brokers: 1, redis: false, spread: (p) => ({ pub: p, sub: p }) },
    { setup: 'one broker on Redis', brokers: 1, redis: true, spread: (p) => ({ pub: p, sub: p }) },
    { setup: 'two brokers, each client pair on one', brokers: 2, redis: true, spread: (p) => ({ pub: p, sub: p }) },
    { setup: 'two brokers, publishers on A, subscribers on B', brokers: 2, redis: true, spread: (p) => ({ pub: [p[0]!], sub: [p[1]!] }) },
  ];
  const tmp = await tempDir('cluster');
  const warmupMs = ctx.quick ? 200 : 1000;
  const out: ClusterDeliveryRun[] = [];
  try {
    for (const [n, s] of setups.entries()) {
      const env: NodeJS.ProcessEnv = { TIDINGS_DATA_DIR: tmp.dir, TIDINGS_BROKER_AUTH: 'off', DATABASE_URL: undefined };
      if (s.redis) Object.assign(env, { TIDINGS_REDIS_URL: redisUrl, TIDINGS_REDIS_PREFIX: `${prefix}-d${n}` });
      const brokers = await startBrokers(s.brokers, env);
      const gen = await startGenerator('raw');
      try {
        const ports = s.spread(brokers.map((b) => b.mqttPort));
        const pids = Object.fromEntries(brokers.map((b) => [b.proc.name, b.proc.pid]));
        const measure = async (label: string, setup: Pick<SetupArgs, 'mode' | 'count'>, run: Pick<RunArgs, 'window'>) => {
          await gen.call('setup', {
            ...setup,
            port: brokers[0]!.mqttPort,
            subscriberPorts: ports.sub,
            publisherPorts: ports.pub,
            label: `cluster${n}-${label}`,
          } satisfies SetupArgs);
          const cpu = cpuMeter(pids);
          const r = await gen.call<RunResult>('run', { ...run, warmupMs, durationMs: params.seconds * 1000 } satisfies RunArgs);
          const usage = cpu();
          await gen.call('teardown');
          const result = {
            deliveriesPerSecond: Math.round(r.deliveriesPerSecond),
            latency: summarize(r.latencies),
            cpu: Math.round(Object.values(usage).reduce((a, b) => a + b, 0) * 100) / 100,
          };
          ctx.progress(
            `${s.setup}, ${label}: ${result.deliveriesPerSecond.toLocaleString('en')} deliveries/s, p50 ${result.latency.p50} ms, brokers' CPU ${result.cpu}`,
          );
          return result;
        };
        out.push({
          setup: s.setup,
          brokers: s.brokers,
          redis: s.redis,
          oneToOne: await measure('1:1', { mode: 'pairs', count: params.pairs }, { window: params.pairWindow }),
          fanOut: await measure(`1:${params.subscribers}`, { mode: 'fanout', count: params.subscribers }, { window: params.fanWindow }),
        });
      } finally {
        await gen.kill();
        await Promise.all(brokers.map((b) => b.proc.stop()));
      }
    }
  } finally {
    await tmp.remove();
  }
  return out;
}

async function measureConnections(ctx: ScenarioContext, params: ClusterResult['params'], redisUrl: string, prefix: string): Promise<ClusterConnectionRun[]> {
  const pgBase = process.env.BENCH_POSTGRES_URL || process.env.TEST_POSTGRES_URL;
  const pg = pgBase ? postgresBenchUrl(pgBase) : undefined;
  params.database = pg ? 'PostgreSQL' : 'SQLite (one file, both brokers)';
  const prepared: Prepared = await prepareData(pg?.url);
  const runs: ClusterConnectionRun[] = [];
  try {
    const db = await openDatabase(prepared.databaseUrl);
    ctx.progress(`making ${params.connections.two.toLocaleString('en')} users and sessions (${params.database})`);
    const users = await seedSignedInUsers(db, params.connections.two, 'k');
    await seedRoom(db, 'general', users);
    await db.close();
    const generators = ctx.quick ? 2 : 4;
    for (const setup of [
      { setup: 'one broker', brokers: 1, redis: false, clients: params.connections.one },
      { setup: 'two brokers on Redis', brokers: 2, redis: true, clients: params.connections.two },
    ]) {
      const env: NodeJS.ProcessEnv = { TIDINGS_DATA_DIR: prepared.dataDir, DATABASE_URL: prepared.databaseUrl, TIDINGS_BROKER_AUTH: 'on' };
      if (setup.redis) Object.assign(env, { TIDINGS_REDIS_URL: redisUrl, TIDINGS_REDIS_PREFIX: `${prefix}-c` });
      const brokers = await startBrokers(setup.brokers, env);
      const gens: Generator[] = [];
      try {
        for (let g = 0; g < generators; g++) gens.push(await startGenerator('conns'));
        await sleep(1000);
        const idle = brokers.map((b) => rssOf(b.proc.pid));
        const cpu = cpuMeter(Object.fromEntries(brokers.map((b) => [b.proc.name, b.proc.pid])));
        const batch = users.slice(0, setup.clients);
        const started = performance.now();
        // Generator g serves broker g % brokers: each broker gets its share from its own generators.
        const parts = await Promise.all(
          gens.map((g, i) =>
            g.call<ConnectResult>('connect', {
              wsUrl: `ws://127.0.0.1:${brokers[i % brokers.length]!.httpPort}/mqtt`,
              users: batch.filter((_, k) => k % generators === i).map((u) => ({ username: u.username, token: u.token })),
              room: 'general',
              concurrency: 50,
            } satisfies ConnectArgs),
          ),
        );
        const seconds = (performance.now() - started) / 1000;
        const usage = cpu();
        await sleep(2000);
        const rss = brokers.map((b) => rssOf(b.proc.pid));
        const connected = await Promise.all(
          brokers.map(async (b) => ((await httpJson(`http://127.0.0.1:${b.httpPort}/healthz`)) as { connections?: number } | null)?.connections ?? 0),
        );
        const failed = parts.reduce((n, p) => n + p.failed, 0);
        const clients = connected.reduce((a, b) => a + b, 0);
        const run: ClusterConnectionRun = {
          setup: setup.setup,
          brokers: setup.brokers,
          clients,
          connectsPerSecond: Math.round(batch.length / seconds),
          failed,
          rssMiB: rss.map((x) => Math.round(x / MiB)),
          idleRssMiB: idle.map((x) => Math.round(x / MiB)),
          kibPerClient: Math.round(((rss.reduce((a, b) => a + b, 0) - idle.reduce((a, b) => a + b, 0)) / Math.max(1, clients) / 1024) * 10) / 10,
          brokerCpu: Math.round(Object.values(usage).reduce((a, b) => a + b, 0) * 100) / 100,
        };
        const firstError = parts.find((p) => p.firstError)?.firstError;
        if (firstError) run.firstError = firstError;
        if (failed > 0) for (const b of brokers) ctx.progress(`${b.proc.name} said:\n${b.proc.tail.toString()}`);
        runs.push(run);
        ctx.progress(
          `${setup.setup}: ${clients.toLocaleString('en')} clients (${connected.join(' + ')}), ${run.connectsPerSecond} connects/s, RSS ${run.rssMiB.join(' + ')} MiB${failed ? `, ${failed} failed: ${firstError}` : ''}`,
        );
      } finally {
        await Promise.all(gens.map((g) => g.kill()));
        await Promise.all(brokers.map((b) => b.proc.stop()));
      }
    }
  } finally {
    await prepared.remove();
    await pg?.drop();
  }
  return runs;
}

/** HAProxy in front of two brokers: one door that prefers A (B its backup). */
function haproxyConfig(port: number, a: Broker, b: Broker): string {
  return haproxyTestConfig([
    {
      name: 'door',
      port,
      brokers: [
        { name: 'a', broker: a },
        { name: 'b', broker: b },
      ],
    },
  ]);
}

async function measureFailover(ctx: ScenarioContext, redisUrl: string, prefix: string): Promise<{ runs: ClusterFailoverRun[] } | Skipped> {
  if (spawnSync('haproxy', ['-v']).status !== 0) {
    const skipped = 'haproxy is not installed: broker failover not measured';
    ctx.note(skipped);
    return { skipped };
  }
  const rounds = ctx.quick ? 1 : 3;
  const runs: ClusterFailoverRun[] = [];
  for (let round = 0; round < rounds; round++) {
    const tmp = await tempDir('failover');
    const env: NodeJS.ProcessEnv = {
      TIDINGS_DATA_DIR: tmp.dir,
      TIDINGS_BROKER_AUTH: 'off',
      DATABASE_URL: undefined,
      TIDINGS_REDIS_URL: redisUrl,
      TIDINGS_REDIS_PREFIX: `${prefix}-f${round}`,
    };
    const [a, b] = (await startBrokers(2, env)) as [Broker, Broker];
    const door = await freePort();
    const cfg = path.join(tmp.dir, 'haproxy.cfg');
    await writeFile(cfg, haproxyConfig(door, a, b));
    const proxy: ChildProcess = spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
    let sub: MqttClient | undefined;
    let pub: MqttClient | undefined;
    try {
      await waitForPort(door, 10_000);
      await sleep(500); // the first health checks
      const received = new Map<number, number>();
      const connects: number[] = [];
      const arrivals: number[] = [];
      // The subscriber: a persistent session, reconnecting as @tidings/client does (about 250 ms).
      sub = connect(`mqtt://127.0.0.1:${door}`, { protocolVersion: 4, clientId: 'failover-sub', clean: false, reconnectPeriod: 250, connectTimeout: 2000 });
      sub.on('connect', () => connects.push(performance.now()));
      sub.on('message', (_t, payload) => {
        const n = Number(payload.toString());
        received.set(n, (received.get(n) ?? 0) + 1);
        arrivals.push(performance.now());
      });
      await new Promise<void>((resolve) => sub!.once('connect', () => resolve()));
      await sub.subscribeAsync('bench/failover', { qos: 1 });
      const onA = ((await httpJson(`http://127.0.0.1:${a.httpPort}/healthz`)) as { connections?: number } | null)?.connections;
      if (onA !== 1) throw new Error(`the subscriber did not land on broker A (A has ${onA} connections)`);
      pub = connect(`mqtt://127.0.0.1:${b.mqttPort}`, { protocolVersion: 4, clientId: 'failover-pub', clean: true });
      await new Promise<void>((resolve) => pub!.once('connect', () => resolve()));
      let published = 0;
      const timer = setInterval(() => pub!.publish('bench/failover', String(++published), { qos: 1 }), 5);
      await sleep(1000);
      const killedAt = performance.now();
      a.proc.proc.kill('SIGKILL');
      await sleep(ctx.quick ? 2000 : 3000);
      clearInterval(timer);
      await sleep(1500); // the last deliveries
      const reconnectMs = (connects.find((t) => t > killedAt) ?? NaN) - killedAt;
      const firstMessageMs = (arrivals.find((t) => t > killedAt + 1) ?? NaN) - killedAt;
      let lost = 0;
      let duplicates = 0;
      for (let n = 1; n <= published; n++) {
        const c = received.get(n) ?? 0;
        if (c === 0) lost++;
        if (c > 1) duplicates++;
      }
      const run = { reconnectMs: Math.round(reconnectMs), firstMessageMs: Math.round(firstMessageMs), published, received: received.size, lost, duplicates };
      runs.push(run);
      ctx.progress(
        `failover ${round + 1}: reconnected after ${run.reconnectMs} ms, first message after ${run.firstMessageMs} ms; ${lost} of ${published} lost, ${duplicates} twice`,
      );
    } finally {
      sub?.end(true);
      pub?.end(true);
      if (!exited(proxy)) proxy.kill('SIGKILL');
      await Promise.all([a, b].map((x) => x.proc.stop()));
      await tmp.remove();
    }
  }
  return { runs };
}
