import { connectGuest } from '@tidings/client';
import { Samples } from '../stats.js';
import { register } from './register.js';
import { serve } from './serve.js';

/**
 * Load generator of the sign-in scenario: `workers` clients, each signing in again and again the
 * way a user does — connect as a guest, `auth.login`, disconnect — as its own user. Timed: the
 * login request (publish → reply) and the whole sign-in (connect → reply).
 */

export interface SignInArgs {
  url: string;
  users: { username: string; password: string }[];
  durationMs: number;
  warmupMs: number;
}

export interface SignInResult {
  logins: number;
  seconds: number;
  login: number[];
  full: number[];
  errors: Record<string, number>;
}

async function run(args: SignInArgs): Promise<SignInResult> {
  const started = performance.now();
  const from = started + args.warmupMs;
  const until = from + args.durationMs;
  const login = new Samples();
  const full = new Samples();
  const errors: Record<string, number> = {};
  let logins = 0;
  await Promise.all(
    args.users.map(async (u, i) => {
      let n = 0;
      while (performance.now() < until) {
        const t0 = performance.now();
        let guest;
        try {
          guest = await connectGuest({ url: args.url });
          const t1 = performance.now();
          await guest.request('auth.login', { username: u.username, password: u.password, device: `bench-${i}-${n++}` }, { timeoutMs: 30_000 });
          const t2 = performance.now();
          if (t0 >= from && t2 < until) {
            logins++;
            login.push(t2 - t1);
            full.push(t2 - t0);
          }
        } catch (err) {
          const code = (err as { code?: string }).code ?? 'error';
          errors[code] = (errors[code] ?? 0) + 1;
        } finally {
          await guest?.close();
        }
      }
    }),
  );
  return { logins, seconds: args.durationMs / 1000, login: login.thinned(), full: full.thinned(), errors };
}

serve({ register, run });
