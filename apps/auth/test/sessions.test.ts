import { afterEach, expect, it } from 'vitest';
import { SESSION_NAME_MAX } from '@tidings/protocol';
import { closedByBroker, describeBackends, startAuth, stillServed, type AuthHarness } from './helpers.js';

describeBackends('auth.sessions and auth.revoke', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('lists your active sessions with device, times and which one you asked from, most recently seen first', async () => {
    h = await startAuth(backend);
    await h.register('alice', 'correct horse battery');
    const start = h.clock.now();
    const laptop = await h.login('alice', 'correct horse battery', 'laptop');
    h.clock.advance(1000);
    const phone = await h.login('alice', 'correct horse battery', 'phone');
    h.clock.advance(1000);
    await h.login('alice', 'correct horse battery'); // no device named
    h.clock.advance(1000);
    const onLaptop = await h.user(laptop, 'laptop'); // the broker records lastSeenAt now

    const { sessions } = await onLaptop.request('auth.sessions', { sessionId: laptop.sessionId });
    expect(sessions).toHaveLength(3);
    expect(sessions[0]).toEqual({
      id: laptop.sessionId,
      device: 'laptop',
      name: null,
      createdAt: start,
      lastSeenAt: start + 3000,
      expiresAt: laptop.expiresAt,
      current: true,
    });
    expect(sessions.slice(1).map((s) => [s.device, s.current])).toEqual([
      [null, false],
      ['phone', false],
    ]);
    expect(sessions.find((s) => s.id === phone.sessionId)?.createdAt).toBe(start + 1000);

    // Without a hint nothing is marked current.
    const plain = await onLaptop.request('auth.sessions', {});
    expect(plain.sessions.every((s) => !s.current)).toBe(true);
  });

  it("lists neither ended sessions nor anyone else's, and marks no one else's session as current", async () => {
    h = await startAuth(backend, { settings: { sessionTtlMs: 60_000 } });
    await h.register('bob', 'bobs password');
    await h.register('carol', 'carols password');
    const old = await h.login('bob', 'bobs password', 'old');
    h.clock.advance(30_000);
    const ended = await h.login('bob', 'bobs password', 'ended');
    const live = await h.login('bob', 'bobs password', 'live');
    const carol = await h.login('carol', 'carols password', 'desk');
    const asBob = await h.user(live, 'live');
    await asBob.request('auth.logout', { sessionId: ended.sessionId });
    h.clock.advance(30_000); // "old" has expired

    const { sessions } = await asBob.request('auth.sessions', { sessionId: carol.sessionId });
    expect(sessions.map((s) => s.id)).toEqual([live.sessionId]);
    expect(sessions[0]?.current).toBe(false);
    expect(sessions.map((s) => s.id)).not.toContain(old.sessionId);
  });

  it('revokes one of your sessions from another device: its live connection is closed and the token refused', async () => {
    h = await startAuth(backend);
    await h.register('dave', 'daves password');
    const laptop = await h.login('dave', 'daves password', 'laptop');
    const phone = await h.login('dave', 'daves password', 'phone');
    const onLaptop = await h.user(laptop, 'laptop');
    const onPhone = await h.user(phone, 'phone');
    const phoneClosed = closedByBroker(onPhone);

    await expect(onLaptop.request('auth.revoke', { sessionId: phone.sessionId })).resolves.toEqual({ revoked: true });
    await phoneClosed;
    await expect(h.user(phone, 'phone-again')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await stillServed(onLaptop)).toBe(true);
    const { sessions } = await onLaptop.request('auth.sessions', { sessionId: laptop.sessionId });
    expect(sessions.map((s) => s.id)).toEqual([laptop.sessionId]);

    // Again: it is no longer active.
    await expect(onLaptop.request('auth.revoke', { sessionId: phone.sessionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("answers NOT_FOUND for someone else's session, exactly as for one that does not exist, and changes nothing", async () => {
    h = await startAuth(backend);
    await h.register('erin', 'erins password');
    await h.register('frank', 'franks password');
    const erin = await h.login('erin', 'erins password');
    const frank = await h.login('frank', 'franks password');
    const asErin = await h.user(erin);
    const asFrank = await h.user(frank);
    const events = await h.stack.db.prisma.accountEvent.count();

    const theirs = await asErin.request('auth.revoke', { sessionId: frank.sessionId }).catch((e: unknown) => e);
    const nobodys = await asErin.request('auth.revoke', { sessionId: 'no-such-session-id' }).catch((e: unknown) => e);
    expect(theirs).toMatchObject({ code: 'NOT_FOUND' });
    expect(nobodys).toMatchObject({ code: 'NOT_FOUND', message: (theirs as Error).message });
    expect((await h.counts()).revoked).toBe(0);
    expect(await h.stack.db.prisma.accountEvent.count()).toBe(events);
    expect(await stillServed(asFrank)).toBe(true);
  });

  it('may revoke the very session it asks from, and still gets the answer', async () => {
    h = await startAuth(backend);
    await h.register('gina', 'ginas password');
    const login = await h.login('gina', 'ginas password');
    const conn = await h.user(login);
    const closed = closedByBroker(conn);
    await expect(conn.request('auth.revoke', { sessionId: login.sessionId })).resolves.toEqual({ revoked: true });
    await closed;
  });

  it('keeps the name given at sign-in and renames a session: trimmed, listed, shown to every device of the account', async () => {
    h = await startAuth(backend);
    await h.register('hana', 'hanas password');
    const guest = await h.guest();
    const laptop = await guest.request('auth.login', { username: 'hana', password: 'hanas password', device: 'w-abc12345', name: '  Chrome on Linux ' });
    const phone = await h.login('hana', 'hanas password', 'phone');
    const onPhone = await h.user(phone, 'phone');

    let { sessions } = await onPhone.request('auth.sessions', { sessionId: phone.sessionId });
    expect(sessions.find((s) => s.id === laptop.sessionId)?.name).toBe('Chrome on Linux');
    expect(sessions.find((s) => s.id === phone.sessionId)?.name).toBeNull();

    await expect(onPhone.request('auth.rename', { sessionId: laptop.sessionId, name: ' Work laptop 💻 ' })).resolves.toEqual({ name: 'Work laptop 💻' });
    await expect(onPhone.request('auth.rename', { sessionId: phone.sessionId, name: 'Phone' })).resolves.toEqual({ name: 'Phone' });
    // the same request again: the same answer (repeatable)
    await expect(onPhone.request('auth.rename', { sessionId: phone.sessionId, name: 'Phone' })).resolves.toEqual({ name: 'Phone' });
    ({ sessions } = await onPhone.request('auth.sessions', {}));
    expect(sessions.map((s) => s.name).sort()).toEqual(['Phone', 'Work laptop 💻']);
    expect(sessions.find((s) => s.id === laptop.sessionId)?.device).toBe('w-abc12345');
  });

  it('refuses a bad name with a typed error and changes nothing', async () => {
    h = await startAuth(backend);
    await h.register('ivan', 'ivans password');
    const login = await h.login('ivan', 'ivans password', 'desk');
    const conn = await h.user(login, 'desk');
    await conn.request('auth.rename', { sessionId: login.sessionId, name: 'Desk' });
    const bad = ['', '   ', 'x'.repeat(SESSION_NAME_MAX + 1), 'two\nlines', 'tab\there', 'bell\u0007', 'spoof\u202egnp.exe', 'nul\u0000'];
    for (const name of bad) {
      const err = await conn.request('auth.rename', { sessionId: login.sessionId, name }).catch((e: unknown) => e);
      expect(err, JSON.stringify(name)).toMatchObject({ code: 'BAD_REQUEST' });
    }
    // exactly the bound is fine; 64 emoji are 64 characters (not 128 UTF-16 units)
    await expect(conn.request('auth.rename', { sessionId: login.sessionId, name: '🙂'.repeat(SESSION_NAME_MAX) })).resolves.toEqual({
      name: '🙂'.repeat(SESSION_NAME_MAX),
    });
    await conn.request('auth.rename', { sessionId: login.sessionId, name: 'Desk' });
    const err = await h
      .guest()
      .then((g) => g.request('auth.login', { username: 'ivan', password: 'ivans password', name: 'x'.repeat(65) }).catch((e: unknown) => e));
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    const { sessions } = await conn.request('auth.sessions', {});
    expect(sessions.map((s) => s.name)).toEqual(['Desk']);
  });

  it("answers NOT_FOUND for renaming someone else's session or an ended one, and changes nothing", async () => {
    h = await startAuth(backend);
    await h.register('jack', 'jacks password');
    await h.register('kate', 'kates password');
    const jack = await h.login('jack', 'jacks password', 'one');
    const ended = await h.login('jack', 'jacks password', 'two');
    const kate = await h.login('kate', 'kates password', 'desk');
    const asJack = await h.user(jack, 'one');
    const asKate = await h.user(kate, 'desk');
    await asJack.request('auth.revoke', { sessionId: ended.sessionId });

    for (const sessionId of [kate.sessionId, ended.sessionId, 'no-such-session-id']) {
      const err = await asJack.request('auth.rename', { sessionId, name: 'Mine now' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'You have no active session with that id.' });
    }
    const { sessions } = await asKate.request('auth.sessions', {});
    expect(sessions.map((s) => s.name)).toEqual([null]);
    expect(await h.stack.db.prisma.session.count({ where: { name: { not: null } } })).toBe(0);
  });
});
