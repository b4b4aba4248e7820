import { afterEach, expect, it } from 'vitest';
import { describeBackends, startAuth, type AuthHarness } from './helpers.js';

describeBackends('auth.events', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('records sign-ins, revoked sessions and password changes, and lists them newest first', async () => {
    h = await startAuth(backend);
    await h.register('alice', 'the old password');
    const t0 = h.clock.now();
    const laptop = await h.login('alice', 'the old password', 'laptop');
    h.clock.advance(1000);
    const phone = await h.login('alice', 'the old password', 'phone');
    h.clock.advance(1000);
    const conn = await h.user(laptop, 'laptop');
    await conn.request('auth.revoke', { sessionId: phone.sessionId });
    h.clock.advance(1000);
    await conn.request('auth.passwd', { currentPassword: 'the old password', newPassword: 'the new password', sessionId: laptop.sessionId });
    // A failed sign-in is not an event (the throttle handles those).
    await expect(h.login('alice', 'a wrong guess')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });

    const { events } = await conn.request('auth.events', {});
    expect(events).toEqual([
      { kind: 'password-changed', at: t0 + 3000, detail: null },
      { kind: 'session-revoked', at: t0 + 2000, detail: 'phone' },
      { kind: 'signed-in', at: t0 + 1000, detail: 'phone' },
      { kind: 'signed-in', at: t0, detail: 'laptop' },
    ]);
    expect((await conn.request('auth.events', { limit: 2 })).events.map((e) => e.kind)).toEqual(['password-changed', 'session-revoked']);
  });

  it("never lists another user's events", async () => {
    h = await startAuth(backend);
    await h.register('bob', 'bobs password');
    await h.register('carol', 'carols password');
    await h.login('carol', 'carols password', 'desk');
    await h.login('carol', 'carols password', 'desk');
    const bob = await h.login('bob', 'bobs password', 'mine');
    const conn = await h.user(bob, 'mine');
    const { events } = await conn.request('auth.events', { limit: 100 });
    expect(events).toEqual([{ kind: 'signed-in', at: expect.any(Number), detail: 'mine' }]);
  });

  it('drops events older than a year when the user next signs in', async () => {
    h = await startAuth(backend);
    await h.register('dave', 'daves password');
    await h.login('dave', 'daves password', 'first');
    h.clock.advance(366 * 24 * 3600_000);
    const login = await h.login('dave', 'daves password', 'second');
    const conn = await h.user(login, 'second');
    expect((await conn.request('auth.events', {})).events.map((e) => e.detail)).toEqual(['second']);
  });
});
