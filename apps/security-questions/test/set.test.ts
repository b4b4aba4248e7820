import { SECURITY_QUESTIONS } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, errorOf, startRecovery, type Harness } from './helpers.js';

const Q1 = SECURITY_QUESTIONS[0];
const Q2 = SECURITY_QUESTIONS[3];

describeBackends('security.set and security.get', (backend) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('sets a first question with the current password, stores only an argon2id hash of the answer and shows the question back', async () => {
    h = await startRecovery(backend);
    await h.register('alice', 'alices password');
    const login = await h.login('alice', 'alices password');
    const conn = await h.user(login);
    expect(await conn.request('security.get', {})).toEqual({ question: null, updatedAt: null, codesLeft: 0 });

    const set = await conn.request('security.set', { question: Q1, answer: '  Rex  ', currentPassword: 'alices password' });
    expect(set).toEqual({ question: Q1, replaced: false });
    expect(await conn.request('security.get', {})).toEqual({ question: Q1, updatedAt: h.clock.now(), codesLeft: 0 });

    const row = await h.stack.db.prisma.securityQuestion.findFirstOrThrow();
    expect(row.question).toBe(Q1);
    expect(row.answerHash).toMatch(/^\$argon2id\$/);
    expect(row.answerHash.toLowerCase()).not.toContain('rex');
    const guest = await h.guest();
    expect(await guest.request('recovery.question', { username: 'alice' })).toEqual({ question: Q1 });
  });

  it('replaces the question and answer: the old answer stops working and the new one works', async () => {
    h = await startRecovery(backend);
    const login = await h.userWithQuestion('bob', 'bobs password', Q1, 'first answer');
    const conn = await h.user(login, 'laptop');
    h.clock.advance(5000);
    expect(await conn.request('security.set', { question: Q2, answer: 'second answer', currentPassword: 'bobs password' })).toEqual({
      question: Q2,
      replaced: true,
    });
    expect((await conn.request('security.get', {})).updatedAt).toBe(h.clock.now());
    expect(await h.stack.db.prisma.securityQuestion.count()).toBe(1);
    expect(await h.asGuest('recovery.question', { username: 'bob' })).toEqual({ question: Q2 });

    await expect(h.asGuest('recovery.reset', { username: 'bob', answer: 'first answer', newPassword: 'a new password' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    await expect(h.asGuest('recovery.reset', { username: 'bob', answer: 'SECOND answer', newPassword: 'a new password' })).resolves.toMatchObject({
      revokedSessions: 1,
    });

    const { events } = await (await h.user(await h.login('bob', 'a new password'), 'after')).request('auth.events', {});
    expect(events.filter((e) => e.kind === 'security-question-set').map((e) => e.detail)).toEqual(['replaced', 'set']);
  });

  it('accepts a question of your own, trimmed and with inner spaces collapsed', async () => {
    h = await startRecovery(backend);
    await h.register('carol', 'carols password');
    const conn = await h.user(await h.login('carol', 'carols password'));
    const own = '  What did   we eat on the\tferry to Skye?  ';
    expect(await conn.request('security.set', { question: own, answer: 'chips', currentPassword: 'carols password' })).toEqual({
      question: 'What did we eat on the ferry to Skye?',
      replaced: false,
    });
    expect(await h.asGuest('recovery.question', { username: 'carol' })).toEqual({ question: 'What did we eat on the ferry to Skye?' });
  });

  it('refuses a wrong current password, and stops checking it after five wrong ones, changing nothing', async () => {
    h = await startRecovery(backend);
    const login = await h.userWithQuestion('dave', 'daves password', Q1, 'the answer');
    const conn = await h.user(login, 'laptop');
    const before = await h.snapshot();
    for (let i = 0; i < 5; i++) {
      const err = await errorOf(conn.request('security.set', { question: Q2, answer: 'changed', currentPassword: `guess ${i} password` }));
      expect(err).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'The current password is wrong.' });
    }
    const limited = await errorOf(conn.request('security.set', { question: Q2, answer: 'changed', currentPassword: 'daves password' }));
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 15 * 60 });
    expect(await h.snapshot()).toEqual(before);
    // The lock is this service's own: signing in with the password still works.
    await expect(h.login('dave', 'daves password')).resolves.toMatchObject({ username: 'dave' });
    h.clock.advance(15 * 60_000);
    await expect(conn.request('security.set', { question: Q2, answer: 'changed', currentPassword: 'daves password' })).resolves.toMatchObject({
      replaced: true,
    });
  });

  it('refuses questions and answers that break the rules with BAD_REQUEST, before checking the password', async () => {
    h = await startRecovery(backend);
    await h.register('erin', 'erins password');
    const conn = await h.user(await h.login('erin', 'erins password'));
    const before = await h.snapshot();
    const cases: [string, string, RegExp][] = [
      ['Why?', 'an answer', /10–200/],
      ['x'.repeat(201), 'an answer', /10–200/],
      [Q1, '  ab ', /3–200/],
      [Q1, 'y'.repeat(201), /3–200/],
      [Q1, 'rex\u0007dog', /control/],
      ['What was the name of your dog Rex?', '  REX ', /may not appear in the question/],
    ];
    for (const [question, answer, message] of cases) {
      // A wrong password too: the rules are checked first, so no password attempt is spent.
      const err = await errorOf(conn.request('security.set', { question, answer, currentPassword: 'not the password' }));
      expect(err.code, `${question} / ${answer}`).toBe('BAD_REQUEST');
      expect(err.message).toMatch(message);
    }
    expect(await h.snapshot()).toEqual(before);
    await expect(conn.request('security.set', { question: Q1, answer: 'rex', currentPassword: 'erins password' })).resolves.toMatchObject({
      replaced: false,
    });
    // Whole words only: "our" is inside "your", but it is not a word of the question.
    await expect(conn.request('security.set', { question: Q1, answer: 'our', currentPassword: 'erins password' })).resolves.toMatchObject({
      replaced: true,
    });
    await expect(conn.request('security.set', { question: Q1, answer: 'First  PET', currentPassword: 'erins password' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
