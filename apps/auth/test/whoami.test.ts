import { afterEach, expect, it } from 'vitest';
import { describeBackends, startAuth, type AuthHarness } from './helpers.js';

describeBackends('auth.whoami', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('answers with the username the broker verified and when the account was made', async () => {
    h = await startAuth(backend);
    const madeAt = h.clock.now();
    await h.register('alice', 'correct horse battery');
    await h.register('bob', 'bobs password');
    h.clock.advance(5000);
    const alice = await h.user(await h.login('alice', 'correct horse battery'));
    const bob = await h.user(await h.login('bob', 'bobs password'));
    await expect(alice.request('auth.whoami', {})).resolves.toEqual({ username: 'alice', createdAt: madeAt });
    await expect(bob.request('auth.whoami', {})).resolves.toEqual({ username: 'bob', createdAt: madeAt });
  });

  it('answers UNAUTHORIZED when the account no longer exists', async () => {
    h = await startAuth(backend);
    await h.register('carol', 'carols password');
    const conn = await h.user(await h.login('carol', 'carols password'));
    await h.stack.db.prisma.user.delete({ where: { username: 'carol' } });
    await expect(conn.request('auth.whoami', {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
