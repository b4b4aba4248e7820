import { SECURITY_QUESTIONS, topics } from '@tidings/protocol';
import { captureLogger } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startRecovery, type Harness } from './helpers.js';

describeBackends('logging', (backend) => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  it('never writes an answer, a recovery code or a password to the log, even at trace level', async () => {
    const capture = captureLogger('recovery');
    const run = await startRecovery(backend, { logger: capture.logger });
    h = run;
    const password = 'first-Secret-Passw0rd';
    const answer = 'Zanzibar-Answer-Secret';
    const wrongAnswer = 'Wrong-Answer-Guess-Secret';
    const reset = 'reset-Secret-Passw0rd';
    const viaCode = 'code-Secret-Passw0rd';

    const login = await run.userWithQuestion('alice', password, SECURITY_QUESTIONS[4], answer);
    const conn = await run.user(login, 'laptop');
    const { codes } = await conn.request('recovery.codes', { currentPassword: password });
    await expect(run.asGuest('recovery.reset', { username: 'alice', answer: wrongAnswer, newPassword: reset })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    await expect(run.asGuest('recovery.reset', { username: 'nobody-here', answer: wrongAnswer, newPassword: reset })).rejects.toBeDefined();
    await run.asGuest('recovery.reset', { username: 'alice', answer: answer.toLowerCase(), newPassword: reset });
    await run.asGuest('recovery.code', { username: 'alice', code: codes[0]!, newPassword: viaCode });
    await expect(run.asGuest('recovery.code', { username: 'alice', code: codes[0]!, newPassword: viaCode })).rejects.toBeDefined();
    // Requests that fail validation with secrets in them.
    const raw = await run.rawGuest();
    await raw.send(topics.guestRequest(raw.clientId, 'recovery.code'), JSON.stringify({ id: 'x', username: 42, code: codes[1], newPassword: viaCode }));
    await raw.send(topics.guestRequest(raw.clientId, 'recovery.reset'), JSON.stringify({ id: 'y', username: 'alice', answer, newPassword: 7 }));
    const again = await run.user(await run.login('alice', viaCode, 'again'), 'again');
    await again.request('security.set', { question: SECURITY_QUESTIONS[5], answer, currentPassword: viaCode });
    await expect(again.request('recovery.codes', { currentPassword: wrongAnswer })).rejects.toBeDefined();
    await run.close();
    h = undefined;

    const lines = capture.lines();
    const normalised = answer.toLowerCase();
    const secrets = [password, answer, normalised, wrongAnswer, wrongAnswer.toLowerCase(), reset, viaCode, ...codes, ...codes.map((c) => c.replace('-', ''))];
    for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);

    // The capture did see the flows (so this test can fail).
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('password reset');
    expect(messages).toContain('security question set');
    expect(messages).toContain('recovery codes generated');
    expect(messages.filter((m) => m === 'refused').length).toBeGreaterThanOrEqual(4);
  });
});
