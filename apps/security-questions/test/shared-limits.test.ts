import { SECURITY_QUESTIONS } from '@tidings/protocol';
import { describeWithRedis, sharedTestLimits } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { errorOf, startRecovery, type Harness } from './helpers.js';

const Q = SECURITY_QUESTIONS[1];

/**
 * Two security-questions instances (each on its own test stack: what they share is the limits)
 * counting in one Redis: wrong answers on either count against one budget per username.
 */
describeWithRedis('recovery attempt limits shared by two instances in Redis', (url) => {
  let shared: ReturnType<typeof sharedTestLimits> | undefined;
  const harnesses: Harness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
    await shared?.close();
  });

  it('the sixth wrong answer across both instances is RATE_LIMITED on either', async () => {
    shared = sharedTestLimits(url, 2);
    const [la, lb] = shared.limits;
    for (const l of [la!, lb!]) await expect.poll(() => l.redisUp, { timeout: 10_000 }).toBe(true);
    const a = await startRecovery('sqlite', { limits: la! });
    harnesses.push(a);
    const b = await startRecovery('sqlite', { limits: lb! });
    harnesses.push(b);
    for (const h of [a, b]) await h.userWithQuestion('alice', 'alices password', Q, 'the right answer');
    const reset = (h: Harness, answer: string) => h.asGuest('recovery.reset', { username: 'alice', answer, newPassword: 'a new password' });

    for (let i = 0; i < 3; i++) expect((await errorOf(reset(a, `wrong on a ${i}`))).code).toBe('INVALID_CREDENTIALS');
    for (let i = 0; i < 2; i++) expect((await errorOf(reset(b, `wrong on b ${i}`))).code).toBe('INVALID_CREDENTIALS');
    for (const h of [a, b]) {
      const limited = await errorOf(reset(h, 'the right answer'));
      expect(limited.code).toBe('RATE_LIMITED');
      expect(limited.retryAfter).toBeGreaterThan(3500);
    }
  });
});
