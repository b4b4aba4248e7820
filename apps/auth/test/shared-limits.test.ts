import { TidingsError } from '@tidings/protocol';
import { describeWithRedis, sharedTestLimits } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { startAuth, type AuthHarness } from './helpers.js';

/**
 * Two auth instances (each on its own test stack here: what they share is the limits) counting
 * in one Redis: the failures of both count against one budget per username.
 */
describeWithRedis('sign-in throttling shared by two auth instances in Redis', (url) => {
  let shared: ReturnType<typeof sharedTestLimits> | undefined;
  const harnesses: AuthHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
    await shared?.close();
  });

  async function guess(h: AuthHarness, username: string, password: string): Promise<TidingsError> {
    const err = await h.login(username, password).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof TidingsError)) throw new Error(`expected a TidingsError, got ${String(err)}`);
    return err;
  }

  it('the sixth wrong password across both instances is RATE_LIMITED on either', async () => {
    shared = sharedTestLimits(url, 2);
    const [la, lb] = shared.limits;
    for (const l of [la!, lb!]) await expect.poll(() => l.redisUp, { timeout: 10_000 }).toBe(true);
    const a = await startAuth('sqlite', { limits: la! });
    harnesses.push(a);
    const b = await startAuth('sqlite', { limits: lb! });
    harnesses.push(b);
    await a.register('alice', 'alices password');
    await b.register('alice', 'alices password');

    for (let i = 0; i < 3; i++) expect((await guess(a, 'alice', `guess on a ${i}`)).code).toBe('INVALID_CREDENTIALS');
    for (let i = 0; i < 2; i++) expect((await guess(b, 'alice', `guess on b ${i}`)).code).toBe('INVALID_CREDENTIALS');
    for (const h of [a, b]) {
      const refused = await guess(h, 'alice', 'alices password');
      expect(refused.code).toBe('RATE_LIMITED');
      expect(refused.retryAfter).toBeGreaterThanOrEqual(29);
      expect(refused.retryAfter).toBeLessThanOrEqual(30);
    }
    // another username is not held back
    await expect(a.login('bob', 'some password')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
