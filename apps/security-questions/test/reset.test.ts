import { SECURITY_QUESTIONS } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { RECOVERY_FAILED_MESSAGE } from '../src/handlers/reset.js';
import { closedByBroker, describeBackends, errorOf, startRecovery, type Harness } from './helpers.js';

const Q = SECURITY_QUESTIONS[0];

describeBackends('recovery.reset', (backend) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('resets the password with the right answer, however it is spaced and cased, and signs every session out', async () => {
    h = await startRecovery(backend);
    const setup = await h.userWithQuestion('alice', 'the forgotten one', Q, 'Rex the  Dog');
    const laptop = await h.login('alice', 'the forgotten one', 'laptop');
    const phone = await h.login('alice', 'the forgotten one', 'phone');
    const onLaptop = await h.user(laptop, 'laptop');
    const onPhone = await h.user(phone, 'phone');
    const closed = [closedByBroker(onLaptop), closedByBroker(onPhone)];

    h.clock.advance(1000);
    const guest = await h.guest();
    expect(await guest.request('recovery.question', { username: 'Alice' })).toEqual({ question: Q });
    const result = await guest.request('recovery.reset', { username: 'alice', answer: '  rex THE dog ', newPassword: 'a brand new password' });
    expect(result).toEqual({ revokedSessions: 3 });
    await Promise.all(closed);

    await expect(h.user(laptop, 'laptop-again')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(h.user(setup, 'setup-again')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(h.login('alice', 'the forgotten one')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const resetAt = h.clock.now();
    h.clock.advance(1000);
    const fresh = await h.login('alice', 'a brand new password', 'fresh');

    const { events } = await (await h.user(fresh, 'fresh')).request('auth.events', {});
    expect(events.slice(0, 2)).toEqual([
      { kind: 'signed-in', at: h.clock.now(), detail: 'fresh' },
      { kind: 'password-reset', at: resetAt, detail: 'question' },
    ]);
  });

  it('the new password is hashed with argon2id and works at auth, which rehashes nothing', async () => {
    h = await startRecovery(backend);
    await h.userWithQuestion('bob', 'bobs old password', Q, 'blue');
    await h.asGuest('recovery.reset', { username: 'bob', answer: 'blue', newPassword: 'bobs new password' });
    const user = await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'bob' } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/);
    await h.login('bob', 'bobs new password');
    expect((await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'bob' } })).passwordHash).toBe(user.passwordHash);
  });

  it('refuses a wrong answer with the one recovery error, changes nothing, and records the failed attempt for the owner', async () => {
    h = await startRecovery(backend);
    const login = await h.userWithQuestion('carol', 'carols password', Q, 'green');
    const conn = await h.user(login, 'laptop');
    h.clock.advance(1000);
    const before = await h.snapshot();
    const err = await errorOf(h.asGuest('recovery.reset', { username: 'carol', answer: 'red', newPassword: 'a new password' }));
    expect(err).toMatchObject({ code: 'INVALID_CREDENTIALS', message: RECOVERY_FAILED_MESSAGE });
    expect(err.retryAfter).toBeUndefined();
    await h.service.flushEvents();
    const after = (await h.snapshot()) as { events: number };
    expect({ ...after, events: (before as { events: number }).events }).toEqual(before);
    expect(after.events).toBe((before as { events: number }).events + 1);
    expect(conn.client.connected).toBe(true);
    const { events } = await conn.request('auth.events', { limit: 1 });
    expect(events).toEqual([{ kind: 'recovery-failed', at: h.clock.now(), detail: 'question' }]);
  });

  it('refuses a new password that breaks the rules before spending an attempt', async () => {
    h = await startRecovery(backend, { settings: { recoveryFailures: 1 } });
    await h.userWithQuestion('davidson', 'daves password', Q, 'yellow');
    await expect(h.asGuest('recovery.reset', { username: 'davidson', answer: 'yellow', newPassword: 'short' })).rejects.toMatchObject({
      code: 'INVALID_PASSWORD',
    });
    await expect(h.asGuest('recovery.reset', { username: 'davidson', answer: 'yellow', newPassword: 'DAVIDSON' })).rejects.toMatchObject({
      code: 'INVALID_PASSWORD',
    });
    await expect(h.asGuest('recovery.reset', { username: 'davidson', answer: 'yellow', newPassword: 'long enough now' })).resolves.toEqual({
      revokedSessions: 1,
    });
  });

  it('answers INVALID_USERNAME for a name no one can have, whatever else is sent', async () => {
    h = await startRecovery(backend);
    for (const username of ['ab', 'admin', 'not a name']) {
      await expect(h.asGuest('recovery.reset', { username, answer: 'x', newPassword: 'a new password' })).rejects.toMatchObject({
        code: 'INVALID_USERNAME',
      });
      await expect(h.asGuest('recovery.question', { username })).rejects.toMatchObject({ code: 'INVALID_USERNAME' });
    }
  });
});
