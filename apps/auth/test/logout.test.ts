import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { closedByBroker, describeBackends, startAuth, stillServed, type AuthHarness } from './helpers.js';

describeBackends('auth.logout', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('ends the session: its token is refused and its live connection is closed', async () => {
    h = await startAuth(backend);
    await h.register('alice', 'correct horse battery');
    const phone = await h.login('alice', 'correct horse battery', 'phone');
    const laptop = await h.login('alice', 'correct horse battery', 'laptop');
    const onPhone = await h.user(phone, 'phone');
    const onLaptop = await h.user(laptop, 'laptop');
    const phoneClosed = closedByBroker(onPhone);

    await expect(onLaptop.request('auth.logout', { sessionId: phone.sessionId })).resolves.toEqual({ revoked: true });
    await phoneClosed;
    await expect(h.user(phone, 'phone-again')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const row = await h.stack.db.prisma.session.findUniqueOrThrow({ where: { id: phone.sessionId } });
    expect(row.revokedAt).not.toBeNull();
    // The other session is untouched.
    expect(await stillServed(onLaptop)).toBe(true);
  });

  it('answers a user who signs out the connection they ask on before closing it', async () => {
    h = await startAuth(backend);
    await h.register('bob', 'the right password');
    const login = await h.login('bob', 'the right password');
    const conn = await h.user(login);
    const closed = closedByBroker(conn);
    await expect(conn.request('auth.logout', { sessionId: login.sessionId })).resolves.toEqual({ revoked: true });
    await closed;
    await expect(h.user(login)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('announces the revocation to the broker on the session-revoked topic', async () => {
    h = await startAuth(backend);
    await h.register('carol', 'the right password');
    const login = await h.login('carol', 'the right password');
    const conn = await h.user(login);
    // The broker itself is subscribed in-process; listen the same way to read the event.
    const event = new Promise<unknown>((resolve, reject) => {
      setTimeout(() => reject(new Error('no session-revoked event within 15 s')), 15_000).unref();
      h.stack.broker.aedes.subscribe(
        topics.sessionRevoked,
        (packet, done) => {
          resolve(JSON.parse(packet.payload.toString('utf8')));
          done();
        },
        () => {},
      );
    });
    await conn.request('auth.logout', { sessionId: login.sessionId });
    await expect(event).resolves.toEqual({ sessionIds: [login.sessionId], username: 'carol', reason: 'logout' });
  });

  it("does not end someone else's session, nor an unknown or ended one", async () => {
    h = await startAuth(backend);
    await h.register('dave', 'daves password');
    await h.register('erin', 'erins password');
    const dave = await h.login('dave', 'daves password');
    const erin = await h.login('erin', 'erins password');
    const asErin = await h.user(erin);
    const asDave = await h.user(dave);
    await expect(asErin.request('auth.logout', { sessionId: dave.sessionId })).resolves.toEqual({ revoked: false });
    await expect(asErin.request('auth.logout', { sessionId: 'no-such-session-id' })).resolves.toEqual({ revoked: false });
    expect(await stillServed(asDave)).toBe(true);
    expect((await h.counts()).revoked).toBe(0);

    const second = await h.login('erin', 'erins password');
    await expect(asErin.request('auth.logout', { sessionId: second.sessionId })).resolves.toEqual({ revoked: true });
    await expect(asErin.request('auth.logout', { sessionId: second.sessionId })).resolves.toEqual({ revoked: false });
  });
});
