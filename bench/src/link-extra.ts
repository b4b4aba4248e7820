import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createChatStore } from '@tidings/chat-store';
import { connectUser, randomId } from '@tidings/client';
import { readOnlyOutage, runSendsThroughOutage, startTestStack, startTestService, type SendsThroughOutageResult } from '@tidings/testkit';
import { ROOT, sleep, tempDir } from './procs.js';
import { seedRoom, seedSignedInUsers } from './seed.js';
import { round } from './stats.js';
import { startSut } from './sut.js';

/** The web app's first load through a simulated link, as apps/web's measurement records it. */
export interface WebFirstLoad {
  link: { profile: string; rttMs: number; bitsPerSecond: number };
  firstVisit: {
    paintedMs: number;
    readyMs: number;
    byReady: { down: number; up: number };
    signInToConnectedMs: number;
    connectedMs: number;
    visit: { down: number; up: number };
  };
  savedSession: { connectedMs: number };
}

/**
 * Runs apps/web's first-load measurement (Chromium, the built app, the real services, through
 * @tidings/linksim) in its own vitest process and reads the figures it writes.
 */
export async function measureWebFirstLoad(scale: number, progress: (m: string) => void): Promise<WebFirstLoad | { skipped: string }> {
  const tmp = await tempDir('web');
  const out = path.join(tmp.dir, 'first-load.json');
  const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
  const log: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', '-c', 'vitest.measure.config.ts'], {
      cwd: path.join(ROOT, 'apps/web'),
      env: { ...process.env, FIRST_LOAD_OUT: out, LINK_PROFILE: 'calm', LINK_SCALE: String(scale), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [child.stdout, child.stderr]) s.on('data', (d: Buffer) => log.push(d.toString()));
    child.on('exit', resolve);
  });
  try {
    const figures = JSON.parse(await readFile(out, 'utf8')) as WebFirstLoad;
    progress(
      `web: sign-in form ${(figures.firstVisit.paintedMs / 1000).toFixed(1)} s, ready ${(figures.firstVisit.readyMs / 1000).toFixed(1)} s, ${(figures.firstVisit.visit.down / 1024).toFixed(1)} KB down`,
    );
    return figures;
  } catch {
    const text = log.join('');
    const reason = /skipping[^\n]*/i.exec(text)?.[0] ?? `the measurement exited ${code}: ${text.slice(-2000)}`;
    return { skipped: reason };
  } finally {
    await tmp.remove();
  }
}

export type PgReadOnly = Pick<
  SendsThroughOutageResult,
  'sends' | 'acked' | 'gaveUp' | 'lost' | 'doubled' | 'gapFree' | 'ackMs' | 'outageMs' | 'drainMs' | 'replies'
>;

/**
 * PostgreSQL made read-only for 8 s (2 s in quick mode) under 900 sends (200) from 9 users, with
 * clients that send again, same id, on UNAVAILABLE (testkit's runSendsThroughOutage).
 */
export async function pgReadOnly(quick: boolean, progress: (m: string) => void): Promise<PgReadOnly | { skipped: string }> {
  const url = process.env.BENCH_POSTGRES_URL || process.env.TEST_POSTGRES_URL;
  if (!url) return { skipped: 'set BENCH_POSTGRES_URL (or TEST_POSTGRES_URL) to run it' };
  const saved = process.env.TEST_POSTGRES_URL;
  process.env.TEST_POSTGRES_URL = url;
  const stack = await startTestStack({ postgres: 'own-database' });
  try {
    await startTestService(stack, 'chat-store', (deps) => createChatStore({ ...deps, settings: { sendRatePerSecond: 1000, sendBurst: 1000 } }));
    const r = await runSendsThroughOutage({
      stack,
      outage: readOnlyOutage(stack),
      users: 9,
      sends: quick ? 200 : 900,
      spreadMs: quick ? 4000 : 12_000,
      outageAtMs: quick ? 1000 : 2000,
      outageMs: quick ? 2000 : 8000,
    });
    progress(`PostgreSQL read-only ${round(r.outageMs / 1000, 1)} s: ${r.acked}/${r.sends} acked, ${r.gaveUp} given up, ${r.lost} lost, ${r.doubled} doubled`);
    return {
      sends: r.sends,
      acked: r.acked,
      gaveUp: r.gaveUp,
      lost: r.lost,
      doubled: r.doubled,
      gapFree: r.gapFree,
      ackMs: r.ackMs,
      outageMs: r.outageMs,
      drainMs: r.drainMs,
      replies: r.replies,
    };
  } finally {
    await stack.close();
    if (saved === undefined) delete process.env.TEST_POSTGRES_URL;
    else process.env.TEST_POSTGRES_URL = saved;
  }
}

export interface BrokerRestart {
  pauseMs: number;
  /** From the restarted broker accepting connections to the first message stored (acked) after it. */
  storedAgainMs: number;
  sends: number;
  acked: number;
  notConfirmed: number;
}

/**
 * The broker killed with SIGKILL and started again `pauseMs` later (SQLite, services as their own
 * processes, a client of @tidings/client sending every 100 ms on loopback): how soon after the
 * broker accepts connections again is a message stored?
 */
export async function brokerRestart(progress: (m: string) => void): Promise<BrokerRestart> {
  const pauseMs = 2000;
  const sut = await startSut({ services: ['chat-store'], serviceEnv: { TIDINGS_SEND_RATE: '1000', TIDINGS_SEND_BURST: '1000' } });
  const db = await sut.openDb();
  const [user] = await seedSignedInUsers(db, ['restart1'], 'r');
  await seedRoom(db, 'general', [user!]);
  await db.close();
  const conn = await connectUser({ url: `mqtt://127.0.0.1:${sut.mqttPort}` }, { username: user!.username, token: user!.token, device: 'bench' });
  const acks: number[] = [];
  let sends = 0;
  let notConfirmed = 0;
  let stop = false;
  const sending = (async () => {
    const inFlight = new Set<Promise<void>>();
    while (!stop) {
      sends++;
      const p = conn.request('chat.send', { c: 'general', x: `restart ${sends}` }, { id: randomId(12), timeoutMs: 30_000 }).then(
        () => void acks.push(performance.now()),
        () => void notConfirmed++,
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      await sleep(100);
    }
    await Promise.all(inFlight);
  })();
  try {
    await sleep(2000);
    progress('broker: kill -9');
    const back = await sut.killAndRestartBroker(pauseMs);
    while (!acks.some((a) => a > back) && performance.now() - back < 30_000) await sleep(20);
    const first = acks.find((a) => a > back);
    await sleep(1000);
    stop = true;
    await sending;
    const storedAgainMs = first === undefined ? Number.NaN : round(first - back, 0);
    progress(`broker back: messages stored again ${storedAgainMs} ms after it accepted connections`);
    return { pauseMs, storedAgainMs, sends, acked: acks.length, notConfirmed };
  } finally {
    stop = true;
    await conn.close().catch(() => {});
    await sut.stop();
  }
}
