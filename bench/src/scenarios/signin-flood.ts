import type { FloodArgs, FloodResult } from '../gen/signin-flood.js';
import { peakRssOf, rssOf, rssPeakMeter, startGenerator } from '../procs.js';
import { summarize } from '../stats.js';
import { startSut } from '../sut.js';
import type { Latency, ScenarioContext } from './context.js';

/**
 * Scenario `signin-flood`: a flood of guest sign-ins (200 connections, each sending `auth.login`
 * with a wrong password for a name nobody has) while one real user signs in with the right
 * password, against the auth service with its production argon2id cost. Measures the real user's
 * sign-in (connect → signed in, waiting out any RATE_LIMITED) alone and during the flood, the
 * flood's answers, and the auth process's memory. The full run also floods an auth service whose
 * hash line is opened wide (64 at once, 10,000 waiting, no per-client cap, 10 min): how it was
 * before the line, when every hash went straight to libuv's four threads.
 */

const MiB = 1024 * 1024;

export interface FloodRun {
  label: string;
  /** The hash-line settings of this run (env). */
  line: string;
  signIn: Latency;
  userRefusals: number;
  flood: Record<string, number>;
  floodSent: number;
  floodSeconds: number;
  /** auth's RSS: before the flood, the highest polled during it (every 20 ms), MiB. */
  rssBeforeMiB: number;
  rssPeakMiB: number;
  /** auth's VmHWM at the end of the run (peak since its start), MiB. */
  hwmMiB: number;
}

export interface SignInFloodResult {
  params: { connections: number; waves: number; argon2: string };
  alone: Latency;
  runs: FloodRun[];
}

const WIDE_OPEN = { TIDINGS_HASH_CONCURRENCY: '64', TIDINGS_HASH_QUEUE: '10000', TIDINGS_HASH_PER_CLIENT: '1000', TIDINGS_HASH_DEADLINE_MS: '600000' };

export async function signInFlood(ctx: ScenarioContext): Promise<SignInFloodResult> {
  const connections = 200;
  const waves = ctx.quick ? 1 : 3;
  const user = { username: 'realuser', password: 'the real user’s own password' };
  const result: SignInFloodResult = {
    params: { connections, waves, argon2: 'argon2id m=65536 KiB, t=3, p=4 (auth defaults)' },
    alone: summarize([]),
    runs: [],
  };
  const variants: { label: string; env: Record<string, string>; line: string; waves: number }[] = [
    { label: 'flood, hash line on (defaults)', env: {}, line: '2 at once, 16 waiting, 2 per client, 5 s', waves },
  ];
  if (!ctx.quick) variants.push({ label: 'flood, hash line wide open (as before)', env: WIDE_OPEN, line: '64 at once, 10,000 waiting, 10 min', waves: 1 });
  else ctx.note('the quick run skips the flood against a wide-open hash line (the before-picture), which takes ≈ 30 s');

  for (const [i, v] of variants.entries()) {
    const sut = await startSut({ services: ['auth'], serviceEnv: v.env });
    const gen = await startGenerator('signin-flood');
    try {
      const url = `mqtt://127.0.0.1:${sut.mqttPort}`;
      const pid = sut.services.auth!.pid;
      await gen.call('register', { url, users: [user] });
      if (i === 0) {
        const alone = await gen.call<number[]>('alone', { url, user, n: ctx.quick ? 3 : 10 });
        result.alone = summarize(alone);
        ctx.progress(`alone: sign-in p50 ${result.alone.p50} ms, max ${result.alone.max} ms`);
      }
      await gen.call('connect', { url, connections });
      const rssBefore = rssOf(pid);
      const meter = rssPeakMeter(pid);
      const r = await gen.call<FloodResult>('flood', {
        url,
        connections,
        waves: v.waves,
        user,
        minSignIns: ctx.quick ? 2 : 5,
        userDelayMs: 100,
        timeoutMs: 300_000,
      } satisfies FloodArgs);
      const peak = meter.stop();
      const run: FloodRun = {
        label: v.label,
        line: v.line,
        signIn: summarize(r.signIns),
        userRefusals: r.userRefusals,
        flood: r.flood,
        floodSent: r.floodSent,
        floodSeconds: Math.round(r.floodMs / 100) / 10,
        rssBeforeMiB: Math.round(rssBefore / MiB),
        rssPeakMiB: Math.round(peak / MiB),
        hwmMiB: Math.round(peakRssOf(pid) / MiB),
      };
      result.runs.push(run);
      ctx.progress(
        `${v.label}: real user's sign-in p50 ${run.signIn.p50} ms, max ${run.signIn.max} ms; flood ${JSON.stringify(run.flood)} in ${run.floodSeconds} s; auth RSS peak ${run.rssPeakMiB} MiB`,
      );
      await gen.call('closeAll');
    } finally {
      await gen.kill();
      await sut.stop();
    }
  }
  return result;
}
