import { afterEach, expect, it } from 'vitest';
import { closedByBroker, describeBackends, startAuth, stillServed, type AuthHarness } from './helpers.js';

// The broker and the auth service share the harness's manual clock, so expiry needs no sleeping.
describeBackends('session expiry', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('the broker refuses a token once its session has expired', async () => {
    h = await startAuth(backend, { settings: { sessionTtlMs: 60_000 } });
    await h.register('alice', 'correct horse battery');
    const login = await h.login('alice', 'correct horse battery');
    expect(login.expiresAt).toBe(h.clock.now() + 60_000);
    await expect(h.user(login, 'before')).resolves.toBeDefined();
    h.clock.advance(59_000);
    await expect(h.user(login, 'still-valid')).resolves.toBeDefined();
    h.clock.advance(1_000);
    await expect(h.user(login, 'after')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('the broker closes a live connection whose session expires', async () => {
    h = await startAuth(backend, { settings: { sessionTtlMs: 60_000 }, sessionSweepMs: 50 });
    await h.register('bob', 'the right password');
    const short = await h.user(await h.login('bob', 'the right password', 'short'), 'short');
    h.clock.advance(30_000);
    const longer = await h.user(await h.login('bob', 'the right password', 'longer'), 'longer');
    const closed = closedByBroker(short);
    h.clock.advance(30_000);
    await closed;
    expect(await stillServed(longer)).toBe(true);
  });

  it('a fresh sign-in after expiry works again', async () => {
    h = await startAuth(backend, { settings: { sessionTtlMs: 1000 } });
    await h.register('carol', 'the right password');
    const first = await h.login('carol', 'the right password');
    h.clock.advance(1000);
    await expect(h.user(first)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const second = await h.login('carol', 'the right password');
    await expect(h.user(second)).resolves.toBeDefined();
  });
});
