import { TidingsError } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startAuth, type AuthHarness } from './helpers.js';

async function errorOf(p: Promise<unknown>): Promise<TidingsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TidingsError)) throw new Error(`expected a TidingsError, got ${String(err)}`);
  return err;
}

describeBackends('sign-in throttling', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  /** One attempt from a fresh guest connection (a fresh random client id), as a scripted guesser would. */
  async function attempt(username: string, password: string) {
    const guest = await h.guest();
    try {
      return await guest.request('auth.login', { username, password });
    } finally {
      await guest.close();
    }
  }

  it('locks a username after five wrong passwords, even from fresh connections, and lets it in after the lock', async () => {
    h = await startAuth(backend);
    await h.register('alice', 'correct horse battery');
    for (let i = 0; i < 5; i++) expect((await errorOf(attempt('alice', `guess number ${i}`))).code).toBe('INVALID_CREDENTIALS');

    const locked = await errorOf(attempt('alice', 'correct horse battery'));
    expect(locked.code).toBe('RATE_LIMITED');
    expect(locked.retryAfter).toBe(30);
    expect((await h.counts()).sessions).toBe(0);

    h.clock.advance(20_000);
    expect((await errorOf(attempt('alice', 'correct horse battery'))).retryAfter).toBe(10);
    h.clock.advance(10_000);
    await expect(attempt('alice', 'correct horse battery')).resolves.toMatchObject({ username: 'alice' });
  });

  it('locks an unknown username the same way, so a lock tells nothing about who exists', async () => {
    h = await startAuth(backend);
    for (let i = 0; i < 5; i++) expect((await errorOf(attempt('nobody', `guess number ${i}`))).code).toBe('INVALID_CREDENTIALS');
    const locked = await errorOf(attempt('nobody', 'anything at all'));
    expect({ code: locked.code, retryAfter: locked.retryAfter }).toEqual({ code: 'RATE_LIMITED', retryAfter: 30 });
  });

  it('a successful sign-in resets the count of failures', async () => {
    h = await startAuth(backend);
    await h.register('bob', 'the right password');
    for (let i = 0; i < 4; i++) await errorOf(attempt('bob', `guess number ${i}`));
    await expect(attempt('bob', 'the right password')).resolves.toMatchObject({ username: 'bob' });
    for (let i = 0; i < 4; i++) expect((await errorOf(attempt('bob', `guess again ${i}`))).code).toBe('INVALID_CREDENTIALS');
    await expect(attempt('bob', 'the right password')).resolves.toMatchObject({ username: 'bob' });
  });

  it('doubles the lock for each failure after a lock, never beyond 15 minutes', async () => {
    h = await startAuth(backend);
    await h.register('carol', 'the right password');
    for (let i = 0; i < 5; i++) await errorOf(attempt('carol', `guess number ${i}`));
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const refused = await errorOf(attempt('carol', 'whatever it is'));
      expect(refused.code).toBe('RATE_LIMITED');
      waits.push(refused.retryAfter ?? 0);
      h.clock.advance((refused.retryAfter ?? 0) * 1000);
      expect((await errorOf(attempt('carol', `guess after lock ${i}`))).code).toBe('INVALID_CREDENTIALS');
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 900, 900]);
    // After the last lock ends, the owner gets in.
    h.clock.advance(900_000);
    await expect(attempt('carol', 'the right password')).resolves.toMatchObject({ username: 'carol' });
  });

  it('keeps other usernames open while one is locked', async () => {
    h = await startAuth(backend);
    await h.register('dave', 'daves password');
    await h.register('erin', 'erins password');
    for (let i = 0; i < 5; i++) await errorOf(attempt('dave', `guess number ${i}`));
    expect((await errorOf(attempt('dave', 'daves password'))).code).toBe('RATE_LIMITED');
    await expect(attempt('erin', 'erins password')).resolves.toMatchObject({ username: 'erin' });
  });

  it('caps the attempts of one connection per minute', async () => {
    h = await startAuth(backend, { settings: { clientAttemptsPerMinute: 3 } });
    await h.register('frank', 'franks password');
    const guest = await h.guest();
    for (const name of ['x1x', 'x2x', 'x3x']) {
      expect((await errorOf(guest.request('auth.login', { username: name, password: 'some password' }))).code).toBe('INVALID_CREDENTIALS');
    }
    const refused = await errorOf(guest.request('auth.login', { username: 'frank', password: 'franks password' }));
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.retryAfter).toBeLessThanOrEqual(60);
    // Another connection is not affected, and this one may try again after a minute.
    await expect(attempt('frank', 'franks password')).resolves.toMatchObject({ username: 'frank' });
    h.clock.advance(60_000);
    await expect(guest.request('auth.login', { username: 'frank', password: 'franks password' })).resolves.toMatchObject({ username: 'frank' });
  });

  it('refuses parallel guesses beyond the limit instead of checking them all', async () => {
    h = await startAuth(backend);
    await h.register('grace', 'graces password');
    const guests = await Promise.all(Array.from({ length: 8 }, () => h.guest()));
    const outcomes = await Promise.all(guests.map((g, i) => errorOf(g.request('auth.login', { username: 'grace', password: `parallel guess ${i}` }))));
    const codes = outcomes.map((e) => e.code).sort();
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(3);
  });
});
