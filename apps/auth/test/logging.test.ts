import { topics } from '@tidings/protocol';
import { captureLogger } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startAuth, type AuthHarness } from './helpers.js';

describeBackends('logging', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('never writes a password or a token to the log, even at trace level', async () => {
    const capture = captureLogger('auth');
    h = await startAuth(backend, { logger: capture.logger });
    const first = 'first-Secret-Passw0rd';
    const second = 'second-Secret-Passw0rd';
    const wrong = 'wrong-Secret-Guess';

    await h.register('alice', first);
    await expect(h.login('alice', wrong)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(h.login('nobody', wrong)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const login = await h.login('alice', first, 'laptop');
    const other = await h.login('alice', first, 'phone');
    const conn = await h.user(login, 'laptop');
    await expect(conn.request('auth.passwd', { currentPassword: wrong, newPassword: second })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await conn.request('auth.passwd', { currentPassword: first, newPassword: second, sessionId: login.sessionId });
    await conn.request('auth.whoami', {});
    // A request that fails validation with the secret in it.
    const raw = await h.rawGuest();
    await raw.send(topics.guestRequest(raw.clientId, 'auth.login'), JSON.stringify({ id: 'x', username: 42, password: first }));
    await conn.request('auth.logout', { sessionId: login.sessionId });
    await h.close();

    const lines = capture.lines();
    const secrets = [first, second, wrong, login.token, other.token, login.token.split('.')[1]!, other.token.split('.')[1]!];
    for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);

    // The capture did see the flows (so this test can fail): sign-ins are logged with the session id only.
    const signedIn = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'signed in');
    expect(signedIn.map((l) => l.sessionId).sort()).toEqual([login.sessionId, other.sessionId].sort());
    expect(signedIn.every((l) => l.username === 'alice')).toBe(true);
    expect(lines.some((l) => l.includes('"msg":"password changed"'))).toBe(true);
    expect(lines.some((l) => l.includes('"msg":"signed out"'))).toBe(true);
  });
});
