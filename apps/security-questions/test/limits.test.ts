import { SECURITY_QUESTIONS } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, errorOf, startRecovery, type Harness } from './helpers.js';

const Q = SECURITY_QUESTIONS[1];
const HOUR = 60 * 60 * 1000;

describeBackends('recovery attempt limits', (backend) => {
  let h: Harness;
  afterEach(async () => h?.close());

  const reset = (username: string, answer: string, newPassword = 'a new password') => h.asGuest('recovery.reset', { username, answer, newPassword });

  it('refuses after five wrong answers, even from fresh connections, says when to retry, and lets the right answer in after', async () => {
    h = await startRecovery(backend);
    await h.userWithQuestion('alice', 'alices password', Q, 'the right answer');
    for (let i = 0; i < 5; i++) {
      expect((await errorOf(reset('alice', `wrong answer ${i}`))).code).toBe('INVALID_CREDENTIALS');
      h.clock.advance(60_000);
    }
    const limited = await errorOf(reset('alice', 'the right answer'));
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 55 * 60 });
    h.clock.advance(55 * 60_000 - 1000);
    expect(await errorOf(reset('alice', 'the right answer'))).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
    h.clock.advance(1000); // the first failure leaves the window: one more try
    await expect(reset('alice', 'the right answer')).resolves.toEqual({ revokedSessions: 1 });
  });

  it('limits an unknown username the same way, so a limit tells nothing about who exists', async () => {
    h = await startRecovery(backend);
    for (let i = 0; i < 5; i++) expect((await errorOf(reset('nobody-here', `guess ${i}`))).code).toBe('INVALID_CREDENTIALS');
    expect(await errorOf(reset('nobody-here', 'another guess'))).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 3600 });
  });

  it('counts wrong codes and wrong answers together', async () => {
    h = await startRecovery(backend);
    await h.userWithQuestion('bob', 'bobs password', Q, 'the right answer');
    for (let i = 0; i < 3; i++) await errorOf(reset('bob', `wrong ${i}`));
    for (let i = 0; i < 2; i++) await errorOf(h.asGuest('recovery.code', { username: 'bob', code: `aaaaa-aaaa${i}`, newPassword: 'a new password' }));
    expect((await errorOf(reset('bob', 'the right answer'))).code).toBe('RATE_LIMITED');
    expect((await errorOf(h.asGuest('recovery.code', { username: 'bob', code: 'bbbbb-bbbbb', newPassword: 'a new password' }))).code).toBe('RATE_LIMITED');
  });

  it('a successful reset clears the count', async () => {
    h = await startRecovery(backend);
    await h.userWithQuestion('carol', 'carols password', Q, 'the right answer');
    for (let i = 0; i < 4; i++) await errorOf(reset('carol', `wrong ${i}`));
    await expect(reset('carol', 'the right answer')).resolves.toMatchObject({ revokedSessions: 1 });
    for (let i = 0; i < 4; i++) expect((await errorOf(reset('carol', `wrong again ${i}`))).code).toBe('INVALID_CREDENTIALS');
    await expect(reset('carol', 'the right answer', 'yet another password')).resolves.toEqual({ revokedSessions: 0 });
  });

  it('never stops the owner signing in with the password, and a sign-in lock never stops recovery', async () => {
    h = await startRecovery(backend);
    await h.userWithQuestion('dave', 'daves password', Q, 'the right answer');
    for (let i = 0; i < 6; i++) await errorOf(reset('dave', `wrong ${i}`));
    expect((await errorOf(reset('dave', 'the right answer'))).code).toBe('RATE_LIMITED');
    await expect(h.login('dave', 'daves password')).resolves.toMatchObject({ username: 'dave' });

    await h.userWithQuestion('erin', 'erins password', Q, 'the right answer');
    for (let i = 0; i < 5; i++) await errorOf(h.login('erin', `wrong password ${i}`));
    expect((await errorOf(h.login('erin', 'erins password'))).code).toBe('RATE_LIMITED');
    await expect(reset('erin', 'the right answer')).resolves.toMatchObject({ revokedSessions: 1 });
  });

  it('limits one connection to five attempts an hour, across usernames', async () => {
    h = await startRecovery(backend);
    const guest = await h.guest();
    for (let i = 0; i < 5; i++) {
      await expect(guest.request('recovery.reset', { username: `name${i}`, answer: 'a guess', newPassword: 'a new password' })).rejects.toMatchObject({
        code: 'INVALID_CREDENTIALS',
      });
    }
    const limited = await errorOf(guest.request('recovery.code', { username: 'name9', code: 'aaaaa-aaaaa', newPassword: 'a new password' }));
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 3600 });
    h.clock.advance(HOUR);
    await expect(guest.request('recovery.reset', { username: 'name9', answer: 'a guess', newPassword: 'a new password' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
  });

  it('does not let parallel guesses overshoot the limit', async () => {
    h = await startRecovery(backend);
    await h.userWithQuestion('frank', 'franks password', Q, 'the right answer');
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => errorOf(reset('frank', `parallel guess ${i}`))));
    const codes = outcomes.map((e) => e.code);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(7);
    expect((await errorOf(reset('frank', 'the right answer'))).code).toBe('RATE_LIMITED');
  });

  it('limits question look-ups per connection', async () => {
    h = await startRecovery(backend, { settings: { questionsPerClientPerMinute: 3 } });
    const guest = await h.guest();
    for (let i = 0; i < 3; i++) await guest.request('recovery.question', { username: `name${i}` });
    expect(await errorOf(guest.request('recovery.question', { username: 'name4' }))).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 60 });
  });
});
