import type { Connection } from '@tidings/client';
import { gatedHasher, type GatedHasher } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, fastArgon2, startRecovery, type Harness } from './helpers.js';

async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 5));
}

describeBackends('the hash line of security-questions', (backend) => {
  let h: Harness;
  let gate: GatedHasher;
  const guests: Connection[] = [];
  afterEach(async () => {
    gate?.open();
    await Promise.all(guests.splice(0).map((g) => g.close()));
    await h?.close();
  });

  it('puts answer checks in the line: past it RATE_LIMITED with retryAfter, and the account holder still gets a turn', async () => {
    gate = gatedHasher(fastArgon2);
    gate.open();
    h = await startRecovery(backend, { hasher: gate.hasher, settings: { hashConcurrency: 1, hashQueue: 2, hashPerClient: 2 } });
    await h.userWithQuestion('alice', 'correct horse battery', 'What was the name of your first pet?', 'rex the dog');
    gate.close();

    const outcomes: { code?: string; retryAfter?: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const g = await h.guest();
      guests.push(g);
      const out: { code?: string; retryAfter?: number } = {};
      outcomes.push(out);
      g.request('recovery.reset', { username: `nobody${i}`, answer: 'a guess', newPassword: 'a new password' }, { timeoutMs: 30_000 }).then(
        () => (out.code = 'ok'),
        (err: { code?: string; retryAfter?: number }) => Object.assign(out, { code: err.code, retryAfter: err.retryAfter }),
      );
    }
    // one check runs, two wait, three are refused at once
    await until(() => outcomes.filter((o) => o.code === 'RATE_LIMITED').length === 3);
    expect(h.service.hashLine()).toMatchObject({ running: 1, waiting: 2, refused: { full: 3 } });
    for (const o of outcomes.filter((x) => x.code === 'RATE_LIMITED')) expect(o.retryAfter).toBeGreaterThanOrEqual(1);

    // alice resets with her answer: her account's job takes the place of the newest flood job
    const alice = await h.guest();
    guests.push(alice);
    const reset = alice.request('recovery.reset', { username: 'alice', answer: 'Rex the Dog', newPassword: 'a brand new password' }, { timeoutMs: 30_000 });
    await until(() => h.service.hashLine().refused.displaced === 1);
    gate.open();
    await expect(reset).resolves.toMatchObject({ revokedSessions: 1 });
    await until(() => outcomes.every((o) => o.code !== undefined));
    expect(outcomes.filter((o) => o.code === 'INVALID_CREDENTIALS')).toHaveLength(2);
    expect(outcomes.filter((o) => o.code === 'RATE_LIMITED')).toHaveLength(4);
  });
});
