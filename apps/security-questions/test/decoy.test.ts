import { SECURITY_QUESTIONS, topics } from '@tidings/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { decoyQuestion, deriveKeys } from '../src/keys.js';
import { TEST_RECOVERY_KEY, countingHasher, describeBackends, startRecovery, type Harness, type RawClient } from './helpers.js';

const REAL_QUESTION = SECURITY_QUESTIONS[2];
const argon2Params = (hash: string) => hash.split('$').slice(1, 4).join('$'); // argon2id$v=19$m=…,p=…,t=…

describe('decoy questions', () => {
  it('come from the built-in list, depend on the name and on the key (an HMAC, not a plain hash)', () => {
    const keys = deriveKeys(TEST_RECOVERY_KEY);
    const other = deriveKeys('another-recovery-key-0123456789abcdefghijkl');
    const names = Array.from({ length: 200 }, (_, i) => `someone${i}`);
    const decoys = names.map((n) => decoyQuestion(keys, n));
    for (const q of decoys) expect(SECURITY_QUESTIONS).toContain(q);
    expect(new Set(decoys).size).toBeGreaterThanOrEqual(SECURITY_QUESTIONS.length - 1);
    expect(names.map((n) => decoyQuestion(keys, n))).toEqual(decoys);
    expect(names.filter((n, i) => decoyQuestion(other, n) !== decoys[i]).length).toBeGreaterThan(100);
  });
});

describeBackends('an unknown username', (backend) => {
  let h: Harness;
  afterEach(async () => h?.close());

  async function ask(raw: RawClient, action: string, body: Record<string, unknown>) {
    return raw.send(topics.guestRequest(raw.clientId, action), JSON.stringify({ id: 'r1', ...body }));
  }

  it('gets a plausible question, the same every time and across restarts, like a real account', async () => {
    h = await startRecovery(backend);
    await h.userWithQuestion('alice', 'alices password', REAL_QUESTION, 'the answer');
    await h.register('bob', 'bobs password'); // a real account without a question

    const first = await h.asGuest('recovery.question', { username: 'nobody-here' });
    for (let i = 0; i < 3; i++) expect(await h.asGuest('recovery.question', { username: 'Nobody-Here' })).toEqual(first);
    expect(SECURITY_QUESTIONS).toContain((first as { question: string }).question);
    const bobs = await h.asGuest('recovery.question', { username: 'bob' });
    expect(SECURITY_QUESTIONS).toContain((bobs as { question: string }).question);
    expect(await h.asGuest('recovery.question', { username: 'bob' })).toEqual(bobs);
    expect(await h.asGuest('recovery.question', { username: 'alice' })).toEqual({ question: REAL_QUESTION });

    // Another instance with the same key (a restart) says the same.
    await h.close();
    h = await startRecovery(backend);
    expect(await h.asGuest('recovery.question', { username: 'nobody-here' })).toEqual(first);
  });

  it('gets replies of the same shape as a real account, on the question, the answer and the code paths', async () => {
    h = await startRecovery(backend, { settings: { clientRecoveryAttempts: 100 } });
    await h.userWithQuestion('alice', 'alices password', REAL_QUESTION, 'the answer');
    await h.register('bob', 'bobs password');
    const raw = await h.rawGuest();

    const questions = await Promise.all(['alice', 'bob', 'nobody-here'].map((username) => ask(raw, 'recovery.question', { username })));
    const shapes = questions.map((r) => ({ id: r.id, e: r.e, keys: Object.keys(r.r as object), type: typeof (r.r as { question: unknown }).question }));
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);

    // Wrong answer for a real account, any answer for an account without a question or no account:
    // the whole reply is the same, byte for byte.
    const resets = [];
    for (const username of ['alice', 'bob', 'nobody-here']) {
      resets.push(await ask(raw, 'recovery.reset', { username, answer: 'a wrong answer', newPassword: 'a new password' }));
    }
    expect(resets[0]).toMatchObject({ id: 'r1', e: { code: 'INVALID_CREDENTIALS' } });
    expect(resets[1]).toEqual(resets[0]);
    expect(resets[2]).toEqual(resets[0]);

    const codes = [];
    for (const username of ['alice', 'bob', 'nobody-here']) {
      codes.push(await ask(raw, 'recovery.code', { username, code: 'abcde-fghjk', newPassword: 'a new password' }));
    }
    codes.push(await ask(raw, 'recovery.code', { username: 'alice', code: 'not a code at all', newPassword: 'a new password' }));
    for (const reply of codes) expect(reply).toEqual(resets[0]);
  });

  it('costs the same work as a real account: exactly one argon2id verification, against a hash of the same parameters', async () => {
    const hasher = countingHasher();
    h = await startRecovery(backend, { hasher, settings: { clientRecoveryAttempts: 100 } });
    await h.userWithQuestion('alice', 'alices password', REAL_QUESTION, 'the answer');
    await h.register('bob', 'bobs password');
    const realHash = (await h.stack.db.prisma.securityQuestion.findFirstOrThrow()).answerHash;
    const raw = await h.rawGuest();

    const work: Record<string, { hash: number; verify: number; params: string[] }> = {};
    for (const username of ['alice', 'bob', 'nobody-here']) {
      hasher.reset();
      await ask(raw, 'recovery.reset', { username, answer: 'a wrong answer', newPassword: 'a new password' });
      work[username] = { ...hasher.calls, params: hasher.verified.map(argon2Params) };
    }
    const expected = { hash: 0, verify: 1, params: [argon2Params(realHash)] };
    expect(work).toEqual({ alice: expected, bob: expected, 'nobody-here': expected });

    // The question and code paths verify nothing, for anyone.
    for (const username of ['alice', 'nobody-here']) {
      hasher.reset();
      await ask(raw, 'recovery.question', { username });
      await ask(raw, 'recovery.code', { username, code: 'abcde-fghjk', newPassword: 'a new password' });
      expect(hasher.calls).toEqual({ hash: 0, verify: 0 });
    }
  });
});
