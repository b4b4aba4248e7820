import { createHash } from 'node:crypto';
import { TidingsError } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { createArgon2Hasher } from '../src/hasher.js';
import { describeBackends, startAuth, type AuthHarness } from './helpers.js';

const DAY = 24 * 3600_000;

async function refusal(p: Promise<unknown>): Promise<TidingsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TidingsError)) throw new Error(`expected a TidingsError, got ${String(err)}`);
  return err;
}

describeBackends('auth.login', (backend) => {
  let h: AuthHarness;
  afterEach(async () => h?.close());

  it('opens a 30-day session whose token lets the client connect as <username>:<device>', async () => {
    h = await startAuth(backend);
    await h.register('alice', 'correct horse battery');
    const guest = await h.guest();
    const login = await guest.request('auth.login', { username: 'ALICE', password: 'correct horse battery', device: 'laptop' });
    expect(login.username).toBe('alice');
    expect(login.token.startsWith(`${login.sessionId}.`)).toBe(true);
    expect(login.expiresAt).toBe(h.clock.now() + 30 * DAY);

    const session = await h.stack.db.prisma.session.findUniqueOrThrow({ where: { id: login.sessionId }, include: { user: true } });
    expect(session.user.username).toBe('alice');
    expect(session.device).toBe('laptop');
    expect(session.revokedAt).toBeNull();
    expect(session.expiresAt.getTime()).toBe(login.expiresAt);
    // Only sha256 of the token's secret is stored.
    const secret = login.token.slice(login.sessionId.length + 1);
    expect(session.tokenHash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(session.tokenHash).not.toContain(secret);

    const user = await h.user(login, 'laptop');
    await expect(user.request('auth.whoami', {})).resolves.toMatchObject({ username: 'alice' });
  });

  it('refuses a wrong password with INVALID_CREDENTIALS and opens no session', async () => {
    h = await startAuth(backend);
    await h.register('bob', 'the right password');
    const guest = await h.guest();
    const err = await refusal(guest.request('auth.login', { username: 'bob', password: 'the wrong password' }));
    expect(err.code).toBe('INVALID_CREDENTIALS');
    expect((await h.counts()).sessions).toBe(0);
  });

  it('answers an unknown username exactly like a wrong password', async () => {
    h = await startAuth(backend);
    await h.register('carol', 'the right password');
    const guest = await h.guest();
    const wrongPassword = await refusal(guest.request('auth.login', { username: 'carol', password: 'the wrong password' }));
    const unknownUser = await refusal(guest.request('auth.login', { username: 'nobody', password: 'the right password' }));
    const malformedName = await refusal(guest.request('auth.login', { username: 'x', password: 'the right password' }));
    for (const err of [unknownUser, malformedName]) {
      expect({ code: err.code, message: err.message, retryAfter: err.retryAfter }).toEqual({
        code: wrongPassword.code,
        message: wrongPassword.message,
        retryAfter: wrongPassword.retryAfter,
      });
    }
    expect(wrongPassword.code).toBe('INVALID_CREDENTIALS');
    expect((await h.counts()).sessions).toBe(0);
  });

  it('checks an unknown username against a real argon2 hash, so it costs a verification too', async () => {
    const verified: string[] = [];
    const real = createArgon2Hasher();
    h = await startAuth(backend, {
      hasher: {
        hash: (password) => real.hash(password),
        verify: (stored, password) => {
          verified.push(stored);
          return real.verify(stored, password);
        },
      },
    });
    const guest = await h.guest();
    await refusal(guest.request('auth.login', { username: 'nobody', password: 'some password' }));
    expect(verified).toHaveLength(1);
    expect(verified[0]?.startsWith('$argon2id$')).toBe(true);
  });

  it('opens a session per sign-in, each with its own token', async () => {
    h = await startAuth(backend);
    await h.register('dave', 'the right password');
    const a = await h.login('dave', 'the right password', 'phone');
    const b = await h.login('dave', 'the right password');
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.token).not.toBe(b.token);
    expect((await h.counts()).sessions).toBe(2);
    // A token only works for its own user.
    await h.register('erin', 'erins password');
    await expect(h.user({ username: 'erin', token: a.token })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('rehashes a password stored with weaker argon2 parameters at sign-in', async () => {
    h = await startAuth(backend, { hasher: createArgon2Hasher() });
    const weak = await createArgon2Hasher({ memoryCost: 19_456, timeCost: 2, parallelism: 1 }).hash('an older password');
    await h.stack.db.prisma.user.create({ data: { id: 'legacy-user', username: 'legacy', passwordHash: weak } });
    await h.login('legacy', 'an older password');
    const user = await h.stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'legacy' } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
    await expect(h.login('legacy', 'an older password')).resolves.toMatchObject({ username: 'legacy' });
  });
});
