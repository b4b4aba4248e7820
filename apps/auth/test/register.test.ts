import { afterEach, expect, it } from 'vitest';
import { createArgon2Hasher, type PasswordHasher } from '../src/hasher.js';
import { describeBackends, fastArgon2, startAuth, type AuthHarness } from './helpers.js';

describeBackends('auth.register', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('creates an account with an argon2id hash and answers with the stored username', async () => {
    h = await startAuth(backend, { hasher: createArgon2Hasher() });
    const guest = await h.guest();
    const result = await guest.request('auth.register', { username: '  Alice ', password: 'correct horse battery' });
    expect(result).toEqual({ username: 'alice' });
    const user = await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
    expect(user.passwordHash).not.toContain('correct horse battery');
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts a new account in general, with the read marker at its last message, so it can talk at once', async () => {
    h = await startAuth(backend);
    await h.stack.db.prisma.conversation.update({ where: { name: 'general' }, data: { lastSeq: 12 } });
    await h.register('carol', 'a good password');
    const carol = await h.stack.db.prisma.user.findUniqueOrThrow({
      where: { username: 'carol' },
      include: { memberships: { include: { conversation: true } } },
    });
    expect(carol.memberships.map((m) => [m.conversation.name, m.role, m.lastReadSeq])).toEqual([['general', 'member', 12]]);
  });

  it('joins no default room that is private or missing', async () => {
    h = await startAuth(backend);
    await h.stack.db.prisma.conversation.update({ where: { name: 'general' }, data: { private: true } });
    await h.register('dave', 'a good password');
    expect(await h.stack.db.prisma.membership.count()).toBe(0);
    await h.stack.db.prisma.conversation.delete({ where: { name: 'general' } });
    await h.register('erin', 'a good password');
    expect((await h.counts()).users).toBe(2);
  });

  it('refuses a username that is taken, whatever its case', async () => {
    h = await startAuth(backend);
    await h.register('bob', 'first password 1');
    const guest = await h.guest();
    await expect(guest.request('auth.register', { username: 'bob', password: 'another password' })).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    await expect(guest.request('auth.register', { username: 'BoB', password: 'another password' })).rejects.toMatchObject({ code: 'USERNAME_TAKEN' });
    expect((await h.counts()).users).toBe(1);
  });

  it('lets exactly one of two racing sign-ups for the same name win', async () => {
    // Both sign-ups pass the "is it taken?" check before either inserts: the unique index decides.
    const real = fastArgon2;
    let armed = false;
    let arrived = 0;
    let release = () => {};
    const bothHashing = new Promise<void>((resolve) => (release = resolve));
    const hasher: PasswordHasher = {
      verify: (stored, password) => real.verify(stored, password),
      async hash(password) {
        if (armed && ++arrived === 2) release();
        if (armed) await bothHashing;
        return real.hash(password);
      },
    };
    h = await startAuth(backend, { hasher });
    armed = true;
    const [a, b] = await Promise.all([h.guest(), h.guest()]);
    const results = await Promise.allSettled([
      a.request('auth.register', { username: 'carol', password: 'password of a' }),
      b.request('auth.register', { username: 'CAROL', password: 'password of b' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected');
    expect(loser?.reason).toMatchObject({ code: 'USERNAME_TAKEN' });
    expect((await h.counts()).users).toBe(1);
  });

  it('refuses usernames that break the rules with INVALID_USERNAME', async () => {
    h = await startAuth(backend);
    const guest = await h.guest();
    for (const username of ['al', 'a'.repeat(33), 'al ice', 'alice!', 'élodie', '']) {
      await expect(guest.request('auth.register', { username, password: 'long enough pw' }), username).rejects.toMatchObject({ code: 'INVALID_USERNAME' });
    }
    expect((await h.counts()).users).toBe(0);
  });

  it('refuses passwords that break the rules with INVALID_PASSWORD', async () => {
    h = await startAuth(backend);
    const guest = await h.guest();
    for (const password of ['short', 'x'.repeat(257), 'dave_the_user', '  DAVE_THE_USER ']) {
      await expect(guest.request('auth.register', { username: 'dave_the_user', password })).rejects.toMatchObject({ code: 'INVALID_PASSWORD' });
    }
    expect((await h.counts()).users).toBe(0);
  });

  it('answers sign-ups from one connection beyond the per-minute cap with RATE_LIMITED', async () => {
    h = await startAuth(backend, { settings: { clientAttemptsPerMinute: 2 } });
    const guest = await h.guest();
    await guest.request('auth.register', { username: 'erin', password: 'a good password' });
    await guest.request('auth.register', { username: 'frank', password: 'a good password' });
    const refused = guest.request('auth.register', { username: 'grace', password: 'a good password' });
    await expect(refused).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(refused.catch((e: { retryAfter?: number }) => e.retryAfter)).resolves.toBeGreaterThan(0);
    expect((await h.counts()).users).toBe(2);
    h.clock.advance(60_000);
    await expect(guest.request('auth.register', { username: 'grace', password: 'a good password' })).resolves.toEqual({ username: 'grace' });
  });
});
