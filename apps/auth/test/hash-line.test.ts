import type { Connection } from '@tidings/client';
import { TidingsError } from '@tidings/protocol';
import { gatedHasher, type GatedHasher } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, fastArgon2, startAuth, type AuthHarness } from './helpers.js';

/** Waits (no deadline of its own: the test's timeout bounds it) until `ok()` holds. */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 5));
}

function outcome(p: Promise<unknown>) {
  const out: { code?: string; retryAfter?: number | undefined; ok?: boolean } = {};
  p.then(
    () => (out.ok = true),
    (err: unknown) => {
      out.code = err instanceof TidingsError ? err.code : String(err);
      if (err instanceof TidingsError && err.retryAfter !== undefined) out.retryAfter = err.retryAfter;
    },
  );
  return out;
}

describeBackends('the hash line', (backend) => {
  let h: AuthHarness;
  let gate: GatedHasher;
  const guests: Connection[] = [];
  afterEach(async () => {
    gate?.open();
    await Promise.all(guests.splice(0).map((g) => g.close()));
    await h?.close();
  });

  it('serves a real user during a flood of guest sign-ins on names without an account; the flood beyond the line gets RATE_LIMITED', async () => {
    gate = gatedHasher(fastArgon2);
    gate.open(); // the dummy hash at start and alice's sign-up go through
    h = await startAuth(backend, { hasher: gate.hasher, settings: { hashConcurrency: 1, hashQueue: 4, hashPerClient: 2 } });
    await h.register('alice', 'correct horse battery');
    gate.close();

    // 20 guests, each its own connection, each guessing at a name nobody has
    for (let i = 0; i < 20; i++) guests.push(await h.guest());
    const flood = guests.map((g, i) => outcome(g.request('auth.login', { username: `nobody${i}`, password: 'a wrong password' }, { timeoutMs: 30_000 })));
    // one hash runs (held by the gate), four wait, fifteen are refused at once
    await until(() => flood.filter((f) => f.code === 'RATE_LIMITED').length === 15);
    await gate.waitForHeld(1);
    expect(h.service.hashLine()).toMatchObject({ running: 1, waiting: 4, refused: { full: 15 } });
    for (const f of flood.filter((x) => x.code === 'RATE_LIMITED')) expect(f.retryAfter).toBeGreaterThanOrEqual(1);

    // alice signs in: her account's turn comes after one more flood hash, not after all of them
    const alice = await h.guest();
    guests.push(alice);
    const login = alice.request('auth.login', { username: 'alice', password: 'correct horse battery' }, { timeoutMs: 30_000 });
    const signedIn = outcome(login);
    // the line was full: alice took the place of the newest flood job
    await until(() => h.service.hashLine().refused.displaced === 1);
    expect(h.service.hashLine().waiting).toBe(4);
    gate.release(); // the first flood hash
    await gate.waitForHeld(1);
    expect(gate.held()).toEqual([{ kind: 'verify', secret: 'a wrong password' }]);
    gate.release(); // the second flood hash; now alice's
    await gate.waitForHeld(1);
    expect(gate.held()).toEqual([{ kind: 'verify', secret: 'correct horse battery' }]);
    gate.release();
    await expect(login).resolves.toMatchObject({ username: 'alice' });
    expect(signedIn.ok).toBe(true);
    // two flood jobs still wait, and had to wait behind alice
    expect(h.service.hashLine()).toMatchObject({ running: 1, waiting: 1 }); // the next flood job took alice's place
    await until(() => flood.filter((f) => f.code === 'INVALID_CREDENTIALS').length === 2);

    gate.open();
    await until(() => flood.every((f) => f.code !== undefined));
    expect(flood.filter((f) => f.code === 'INVALID_CREDENTIALS')).toHaveLength(4);
    expect(flood.filter((f) => f.code === 'RATE_LIMITED')).toHaveLength(16);
    expect((await h.counts()).sessions).toBe(1);
  });

  it('caps one client at two hashes in the line, across accounts', async () => {
    gate = gatedHasher(fastArgon2);
    gate.open();
    h = await startAuth(backend, { hasher: gate.hasher, settings: { hashConcurrency: 1, hashQueue: 16, hashPerClient: 2 } });
    await h.register('alice', 'correct horse battery');
    gate.close();
    const guest = await h.guest();
    guests.push(guest);
    const tries = ['alice', 'bob', 'carol'].map((u) =>
      outcome(guest.request('auth.login', { username: u, password: 'a wrong password' }, { timeoutMs: 30_000 })),
    );
    await until(() => tries.some((t) => t.code === 'RATE_LIMITED'));
    expect(h.service.hashLine()).toMatchObject({ running: 1, waiting: 1, refused: { 'per-key': 1 } });
    gate.open();
    await until(() => tries.every((t) => t.code !== undefined));
    expect(tries.map((t) => t.code).sort()).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
  });
});
