import { ACCOUNT_EVENT_KINDS, SECURITY_QUESTIONS } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../src/commands/recovery-common.js';
import { pickQuestion } from '../src/commands/security-question.js';
import { runCli, tempHome } from './helpers.js';

describe('the recovery command lines', () => {
  it('picks a built-in question by number, or takes your own within the rules', () => {
    expect(pickQuestion(' 1 ')).toBe(SECURITY_QUESTIONS[0]);
    expect(pickQuestion(String(SECURITY_QUESTIONS.length))).toBe(SECURITY_QUESTIONS.at(-1));
    expect(() => pickQuestion('0')).toThrow(/from 1 to/);
    expect(() => pickQuestion('99')).toThrow(/from 1 to/);
    expect(pickQuestion('  Where   did we meet?  ')).toBe('Where did we meet?');
    expect(() => pickQuestion('Why?')).toThrow(/10–200/);
  });

  it('describes every kind of account event in words', () => {
    for (const kind of ACCOUNT_EVENT_KINDS) expect(describeEvent({ kind, at: 0, detail: null }).length).toBeGreaterThan(5);
    expect(describeEvent({ kind: 'password-reset', at: 0, detail: 'code' })).toBe('password reset with a recovery code');
    expect(describeEvent({ kind: 'signed-in', at: 0, detail: 'phone' })).toBe('signed in (device phone)');
  });

  it('shows the question list in the help of security-question and the prompt order in recover', async () => {
    const h = await tempHome();
    try {
      const help = await runCli(['security-question', '--help'], { env: h.env });
      for (const q of SECURITY_QUESTIONS) expect(help.stdout).toContain(q);
      expect((await runCli(['recover', '--help'], { env: h.env })).stdout).toContain(
        '1. the answer to the security question (with --code: a recovery code)\n  2. the new password',
      );
      expect((await runCli(['security-question', 'nope'], { env: h.env })).status).toBe(2);
    } finally {
      await h.remove();
    }
  });
});
