import type { SignInArgs, SignInResult } from '../gen/signin.js';
import { cpuMeter, startGenerator } from '../procs.js';
import { summarize } from '../stats.js';
import { startSut } from '../sut.js';
import type { Latency, ScenarioContext } from './context.js';

/**
 * Scenario 6: sign-ins per second and their latency with 10 clients signing in at once, against
 * the auth service with its production argon2id cost (64 MiB, 3 passes, 4 lanes): a sign-in is
 * meant to cost something, and this reports what.
 */

export interface SignInScenarioResult {
  params: { clients: number; seconds: number; argon2: string };
  loginsPerSecond: number;
  /** auth.login publish → reply. */
  login: Latency;
  /** Guest connect → auth.login reply. */
  full: Latency;
  errors: Record<string, number>;
  cpu: Record<string, number>;
}

export async function signIn(ctx: ScenarioContext): Promise<SignInScenarioResult> {
  const clients = 10;
  const seconds = ctx.quick ? 2 : 15;
  const sut = await startSut({ services: ['auth'] });
  const gen = await startGenerator('signin');
  try {
    const url = `mqtt://127.0.0.1:${sut.mqttPort}`;
    const users = Array.from({ length: clients }, (_, i) => ({ username: `signin${String(i).padStart(2, '0')}`, password: `bench password number ${i}` }));
    await gen.call('register', { url, users });
    const cpu = cpuMeter({ ...sut.pids(), generator: gen.pid });
    const r = await gen.call<SignInResult>('run', { url, users, durationMs: seconds * 1000, warmupMs: ctx.quick ? 500 : 1000 } satisfies SignInArgs);
    const out: SignInScenarioResult = {
      params: { clients, seconds, argon2: 'argon2id m=65536 KiB, t=3, p=4 (auth defaults)' },
      loginsPerSecond: Math.round((r.logins / r.seconds) * 10) / 10,
      login: summarize(r.login),
      full: summarize(r.full),
      errors: r.errors,
      cpu: cpu(),
    };
    ctx.progress(`${out.loginsPerSecond} logins/s, login p50 ${out.login.p50} ms, p99 ${out.login.p99} ms`);
    return out;
  } finally {
    await gen.kill();
    await sut.stop();
  }
}
