import { describe, expect, it } from 'vitest';
import {
  RECOVERY_CODE_PATTERN,
  SECURITY_QUESTIONS,
  SecuritySetRequest,
  RecoveryResetRequest,
  answerProblem,
  normalizeAnswer,
  normalizeRecoveryCode,
  operationsOf,
  questionProblem,
} from '../src/index.js';

describe('security answers', () => {
  it('compares answers trimmed, case-folded and with inner whitespace collapsed', () => {
    expect(normalizeAnswer('  Rex   the\tDOG \n')).toBe('rex the dog');
    expect(normalizeAnswer('STRASSE')).toBe(normalizeAnswer('straße'));
    expect(normalizeAnswer('ｆｕｌｌｗｉｄｔｈ')).toBe('fullwidth');
  });

  it('states the answer rules after normalising', () => {
    expect(answerProblem('  ab  ')).toMatch(/3–200/);
    expect(answerProblem('abc')).toBeNull();
    expect(answerProblem('x'.repeat(201))).toMatch(/3–200/);
    expect(answerProblem(` ${'x'.repeat(200)} `)).toBeNull();
  });

  it('states the question rules and accepts every built-in question', () => {
    for (const q of SECURITY_QUESTIONS) expect(questionProblem(q)).toBeNull();
    expect(questionProblem('Why?')).toMatch(/10–200/);
    expect(questionProblem('x'.repeat(201))).toMatch(/10–200/);
    expect(questionProblem('What is\u0000this thing')).toMatch(/control/);
  });

  it('bounds the raw fields so an oversized answer never reaches a hash', () => {
    expect(SecuritySetRequest.safeParse({ id: '1', question: SECURITY_QUESTIONS[0], answer: 'x'.repeat(1001), currentPassword: 'p' }).success).toBe(false);
    expect(RecoveryResetRequest.safeParse({ id: '1', username: 'alice', answer: 7, newPassword: 'a new password' }).success).toBe(false);
  });
});

describe('recovery codes', () => {
  it('reads a typed code in any case, with or without the dash, and the look-alike letters', () => {
    expect(normalizeRecoveryCode('ABCDE-FGHJK')).toBe('abcde-fghjk');
    expect(normalizeRecoveryCode(' abcde fghjk ')).toBe('abcde-fghjk');
    expect(normalizeRecoveryCode('abcdefghjk')).toBe('abcde-fghjk');
    expect(normalizeRecoveryCode('oOiIl-23456')).toBe('00111-23456');
    expect(normalizeRecoveryCode('abcde-fghj')).toBeNull();
    expect(normalizeRecoveryCode('abcde-fghju')).toBeNull();
    expect(RECOVERY_CODE_PATTERN.test('00111-23456')).toBe(true);
    expect(RECOVERY_CODE_PATTERN.test('0011u-23456')).toBe(false);
  });
});

describe('operations of the recovery services', () => {
  it('gives recovery and security actions to security-questions and sessions and events to auth', () => {
    expect(
      operationsOf('security-questions')
        .map((o) => `${o.audience}:${o.action}`)
        .sort(),
    ).toEqual(['guest:recovery.code', 'guest:recovery.question', 'guest:recovery.reset', 'user:recovery.codes', 'user:security.get', 'user:security.set']);
    const auth = operationsOf('auth').map((o) => o.action);
    for (const a of ['auth.sessions', 'auth.revoke', 'auth.events']) expect(auth).toContain(a);
  });
});
