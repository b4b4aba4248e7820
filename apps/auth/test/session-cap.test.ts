import { afterEach, expect, it } from 'vitest';
import { closedByBroker, describeBackends, startAuth, stillServed, type AuthHarness } from './helpers.js';

describeBackends('sessions per account', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('keeps at most maxSessionsPerUser active sessions: a sign-in past it ends the oldest, and the broker closes its connection', async () => {
    h = await startAuth(backend, { settings: { maxSessionsPerUser: 3 } });
    await h.register('alice', 'correct horse battery');
    const first = await h.login('alice', 'correct horse battery', 'd0');
    const firstConn = await h.user(first, 'd0');
    const closed = closedByBroker(firstConn);
    const logins = [first];
    for (let i = 1; i < 5; i++) {
      h.clock.advance(1000);
      logins.push(await h.login('alice', 'correct horse battery', `d${i}`));
    }
    await closed;
    const active = await h.stack.db.prisma.session.findMany({ where: { revokedAt: null }, select: { id: true }, orderBy: { createdAt: 'asc' } });
    expect(active.map((s) => s.id)).toEqual(logins.slice(2).map((l) => l.sessionId));
    expect(await stillServed(await h.user(logins[4]!, 'd4'))).toBe(true);
    // Another account is not touched.
    await h.register('bob', 'another good password');
    await h.login('bob', 'another good password');
    expect(await h.stack.db.prisma.session.count({ where: { revokedAt: null } })).toBe(4);
  });
});
