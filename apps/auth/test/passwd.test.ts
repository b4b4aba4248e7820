import { afterEach, expect, it } from 'vitest';
import type { PasswordHasher } from '../src/hasher.js';
import { closedByBroker, describeBackends, fastArgon2, startAuth, stillServed, type AuthHarness } from './helpers.js';

describeBackends('auth.passwd', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('changes the password, ends every other session and keeps the one named', async () => {
    h = await startAuth(backend);
    await h.register('alice', 'the old password');
    const laptop = await h.login('alice', 'the old password', 'laptop');
    const phone = await h.login('alice', 'the old password', 'phone');
    const tablet = await h.login('alice', 'the old password', 'tablet');
    const onLaptop = await h.user(laptop, 'laptop');
    const onPhone = await h.user(phone, 'phone');
    const onTablet = await h.user(tablet, 'tablet');
    const phoneClosed = closedByBroker(onPhone);
    const tabletClosed = closedByBroker(onTablet);

    const result = await onLaptop.request('auth.passwd', {
      currentPassword: 'the old password',
      newPassword: 'the new password',
      sessionId: laptop.sessionId,
    });
    expect(result).toEqual({ revokedSessions: 2 });
    await Promise.all([phoneClosed, tabletClosed]);
    expect(await stillServed(onLaptop)).toBe(true);
    await expect(h.user(phone, 'phone')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(h.user(laptop, 'laptop-2')).resolves.toBeDefined();

    await expect(h.login('alice', 'the old password')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(h.login('alice', 'the new password')).resolves.toMatchObject({ username: 'alice' });
  });

  it('ends every session, the asking one too, when no session is named', async () => {
    h = await startAuth(backend);
    await h.register('bob', 'the old password');
    const login = await h.login('bob', 'the old password');
    const conn = await h.user(login);
    const closed = closedByBroker(conn);
    await expect(conn.request('auth.passwd', { currentPassword: 'the old password', newPassword: 'the new password' })).resolves.toEqual({
      revokedSessions: 1,
    });
    await closed;
    expect((await h.counts()).revoked).toBe(1);
  });

  it("keeps no other user's session when asked to", async () => {
    h = await startAuth(backend);
    await h.register('carol', 'carols password');
    await h.register('dave', 'daves password');
    const carol = await h.login('carol', 'carols password');
    const dave = await h.login('dave', 'daves password');
    const asCarol = await h.user(carol);
    const asDave = await h.user(dave);
    await expect(
      asCarol.request('auth.passwd', { currentPassword: 'carols password', newPassword: 'carols new password', sessionId: dave.sessionId }),
    ).resolves.toEqual({ revokedSessions: 1 });
    expect(await stillServed(asDave)).toBe(true);
  });

  it('refuses a wrong current password with INVALID_CREDENTIALS and changes nothing', async () => {
    h = await startAuth(backend);
    await h.register('erin', 'erins password');
    const login = await h.login('erin', 'erins password');
    const other = await h.login('erin', 'erins password');
    const conn = await h.user(login);
    const before = await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'erin' } });
    await expect(conn.request('auth.passwd', { currentPassword: 'not her password', newPassword: 'a brand new one' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    const after = await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'erin' } });
    expect(after.passwordHash).toBe(before.passwordHash);
    expect((await h.counts()).revoked).toBe(0);
    await expect(h.user(other, 'other')).resolves.toBeDefined();
  });

  it('refuses a new password that breaks the rules or equals the current one', async () => {
    h = await startAuth(backend);
    await h.register('frank', 'franks password');
    const conn = await h.user(await h.login('frank', 'franks password'));
    for (const newPassword of ['short', 'franks password', 'frank', 'FRANK   ', 'y'.repeat(257)]) {
      await expect(conn.request('auth.passwd', { currentPassword: 'franks password', newPassword }), newPassword).rejects.toMatchObject({
        code: 'INVALID_PASSWORD',
      });
    }
    await expect(h.login('frank', 'franks password')).resolves.toMatchObject({ username: 'frank' });
  });

  it('locks password changes after repeated wrong current passwords, apart from sign-in', async () => {
    h = await startAuth(backend);
    await h.register('grace', 'graces password');
    const conn = await h.user(await h.login('grace', 'graces password'));
    for (let i = 0; i < 5; i++) {
      await expect(conn.request('auth.passwd', { currentPassword: `guess ${i} guess`, newPassword: 'a brand new one' })).rejects.toMatchObject({
        code: 'INVALID_CREDENTIALS',
      });
    }
    const locked = conn.request('auth.passwd', { currentPassword: 'graces password', newPassword: 'a brand new one' });
    await expect(locked).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // Sign-in has its own count.
    await expect(h.login('grace', 'graces password')).resolves.toMatchObject({ username: 'grace' });
    h.clock.advance(30_000);
    await expect(conn.request('auth.passwd', { currentPassword: 'graces password', newPassword: 'a brand new one' })).resolves.toEqual({
      revokedSessions: 2,
    });
  });

  it('lets exactly one of two racing password changes win', async () => {
    // Both changes pass the check of the current password before either stores its new hash.
    let armed = false;
    let arrived = 0;
    let release = () => {};
    const bothHashing = new Promise<void>((resolve) => (release = resolve));
    const hasher: PasswordHasher = {
      verify: (stored, password) => fastArgon2.verify(stored, password),
      async hash(password) {
        if (armed && ++arrived === 2) release();
        if (armed) await bothHashing;
        return fastArgon2.hash(password);
      },
    };
    h = await startAuth(backend, { hasher });
    await h.register('heidi', 'heidis password');
    // Both from one connection that both keep, so both answers arrive.
    const login = await h.login('heidi', 'heidis password');
    const conn = await h.user(login);
    armed = true;
    const change = (newPassword: string) => conn.request('auth.passwd', { currentPassword: 'heidis password', newPassword, sessionId: login.sessionId });
    const results = await Promise.allSettled([change('new password from a'), change('new password from b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')?.reason).toMatchObject({ code: 'CONFLICT' });
    const winner = results[0]?.status === 'fulfilled' ? 'new password from a' : 'new password from b';
    const loser = winner.endsWith('a') ? 'new password from b' : 'new password from a';
    armed = false;
    await expect(h.login('heidi', winner)).resolves.toMatchObject({ username: 'heidi' });
    await expect(h.login('heidi', loser)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
