import { randomBytes } from 'node:crypto';
import { connectGuest, type Connection } from '@tidings/client';
import { register } from './register.js';
import { serve } from './serve.js';

/**
 * Load generator of the sign-in flood scenario: `connections` guest connections, each sending
 * `auth.login` with a wrong password for a name nobody has (a fresh one every time, so no
 * per-username lock stops them), in `waves` (each wave: one request per connection, all at once;
 * the next wave when every reply of the last is in). Meanwhile one real user signs in again and
 * again with the right password — connect as a guest, `auth.login`, close — the way the web app
 * does: on RATE_LIMITED it waits `retryAfter` and tries again (counted in its time).
 */

export interface FloodArgs {
  url: string;
  connections: number;
  waves: number;
  user: { username: string; password: string };
  /** The real user signs in at least this often, and on until the flood is over. */
  minSignIns: number;
  /** ms after the first wave is sent before the real user starts. */
  userDelayMs: number;
  timeoutMs: number;
}

export interface FloodResult {
  /** Real user: connect → signed in, including waits after RATE_LIMITED, ms. */
  signIns: number[];
  /** Real user: RATE_LIMITED answers it got (and waited out). */
  userRefusals: number;
  /** Flood answers by code (`ok` would be a success: never, the password is wrong). */
  flood: Record<string, number>;
  /** Flood requests sent. */
  floodSent: number;
  /** From the first wave until its last reply, ms. */
  floodMs: number;
}

export interface AloneArgs {
  url: string;
  user: { username: string; password: string };
  n: number;
}

let guests: Connection[] = [];

async function connect(args: { url: string; connections: number }): Promise<number> {
  await closeAll();
  for (let i = 0; i < args.connections; i += 50) {
    const batch = Math.min(50, args.connections - i);
    guests.push(...(await Promise.all(Array.from({ length: batch }, () => connectGuest({ url: args.url })))));
  }
  return guests.length;
}

async function closeAll(): Promise<void> {
  await Promise.all(guests.map((g) => g.close()));
  guests = [];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One sign-in of the real user: ms from connect to signed in, and the RATE_LIMITED answers on the way. */
async function signInOnce(url: string, user: { username: string; password: string }, timeoutMs: number): Promise<{ ms: number; refusals: number }> {
  const t0 = performance.now();
  let refusals = 0;
  const guest = await connectGuest({ url });
  try {
    for (;;) {
      try {
        await guest.request('auth.login', { ...user, device: `real-${randomBytes(3).toString('hex')}` }, { timeoutMs });
        return { ms: performance.now() - t0, refusals };
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        if (e.code !== 'RATE_LIMITED') throw err;
        refusals++;
        await sleep((e.retryAfter ?? 1) * 1000);
      }
    }
  } finally {
    await guest.close();
  }
}

async function alone(args: AloneArgs): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < args.n; i++) out.push((await signInOnce(args.url, args.user, 60_000)).ms);
  return out;
}

async function flood(args: FloodArgs): Promise<FloodResult> {
  const codes: Record<string, number> = {};
  let sent = 0;
  let floodOver = false;
  const t0 = performance.now();
  let floodMs = 0;
  const floodTask = (async () => {
    for (let w = 0; w < args.waves; w++) {
      await Promise.all(
        guests.map(async (g) => {
          sent++;
          try {
            await g.request(
              'auth.login',
              { username: `nobody-${randomBytes(6).toString('hex')}`, password: 'not the password at all' },
              { timeoutMs: args.timeoutMs },
            );
            codes.ok = (codes.ok ?? 0) + 1;
          } catch (err) {
            const code = (err as { code?: string }).code ?? 'error';
            codes[code] = (codes[code] ?? 0) + 1;
          }
        }),
      );
    }
    floodMs = performance.now() - t0;
    floodOver = true;
  })();
  await sleep(args.userDelayMs);
  const signIns: number[] = [];
  let userRefusals = 0;
  while (!floodOver || signIns.length < args.minSignIns) {
    const r = await signInOnce(args.url, args.user, args.timeoutMs);
    signIns.push(r.ms);
    userRefusals += r.refusals;
  }
  await floodTask;
  return { signIns, userRefusals, flood: codes, floodSent: sent, floodMs };
}

serve({ register, connect, alone, flood, closeAll });
