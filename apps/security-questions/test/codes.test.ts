import { RECOVERY_CODE_COUNT, RECOVERY_CODE_PATTERN } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { RECOVERY_FAILED_MESSAGE } from '../src/handlers/reset.js';
import { closedByBroker, describeBackends, errorOf, startRecovery, type Harness } from './helpers.js';

describeBackends('recovery codes', (backend) => {
  let h: Harness;
  afterEach(async () => h?.close());

  async function codesFor(username: string, password: string): Promise<{ codes: string[]; login: Awaited<ReturnType<Harness['login']>> }> {
    const login = await h.login(username, password, 'codes');
    const conn = await h.user(login, 'codes');
    const { codes } = await conn.request('recovery.codes', { currentPassword: password });
    return { codes, login };
  }

  it('gives ten different codes once, after the current password, and stores only their HMACs', async () => {
    h = await startRecovery(backend);
    await h.register('alice', 'alices password');
    const login = await h.login('alice', 'alices password');
    const conn = await h.user(login);
    await expect(conn.request('recovery.codes', { currentPassword: 'not her password' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await h.stack.db.prisma.recoveryCode.count()).toBe(0);

    const { codes } = await conn.request('recovery.codes', { currentPassword: 'alices password' });
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE_PATTERN);
    const rows = await h.stack.db.prisma.recoveryCode.findMany();
    expect(rows).toHaveLength(RECOVERY_CODE_COUNT);
    const stored = JSON.stringify(rows);
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace('-', ''));
    }
    for (const row of rows) expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await conn.request('security.get', {})).toMatchObject({ codesLeft: RECOVERY_CODE_COUNT });
    expect((await conn.request('auth.events', { limit: 1 })).events).toEqual([
      { kind: 'recovery-codes-generated', at: h.clock.now(), detail: String(RECOVERY_CODE_COUNT) },
    ]);
  });

  it('resets the password with a code once, signs every session out, and then the code fails like a wrong one', async () => {
    h = await startRecovery(backend);
    await h.register('bob', 'bobs password');
    const { codes, login } = await codesFor('bob', 'bobs password');
    const live = await h.user(login, 'live');
    const closed = closedByBroker(live);

    const code = codes[3]!;
    expect(await h.asGuest('recovery.code', { username: 'bob', code, newPassword: 'bobs new password' })).toEqual({ revokedSessions: 1 });
    await closed;
    await expect(h.user(login, 'again')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const fresh = await h.login('bob', 'bobs new password', 'fresh');

    const again = await errorOf(h.asGuest('recovery.code', { username: 'bob', code, newPassword: 'a third password' }));
    const wrong = await errorOf(h.asGuest('recovery.code', { username: 'bob', code: 'zzzzz-zzzzz', newPassword: 'a third password' }));
    expect(again).toEqual(wrong);
    expect(again).toMatchObject({ code: 'INVALID_CREDENTIALS', message: RECOVERY_FAILED_MESSAGE });
    await h.login('bob', 'bobs new password');

    const conn = await h.user(fresh, 'fresh');
    expect(await conn.request('security.get', {})).toMatchObject({ codesLeft: RECOVERY_CODE_COUNT - 1 });
    const { events } = await conn.request('auth.events', {});
    expect(events.some((e) => e.kind === 'password-reset' && e.detail === 'code')).toBe(true);
  });

  it('reads a code typed in capitals, without the dash or with spaces', async () => {
    h = await startRecovery(backend);
    await h.register('carol', 'carols password');
    const { codes } = await codesFor('carol', 'carols password');
    const typed = ` ${codes[0]!.toUpperCase().replace('-', ' ')} `;
    await expect(h.asGuest('recovery.code', { username: 'carol', code: typed, newPassword: 'carols new password' })).resolves.toEqual({
      revokedSessions: 1,
    });
  });

  it('a new set voids the old one', async () => {
    h = await startRecovery(backend);
    await h.register('dave', 'daves password');
    const first = await codesFor('dave', 'daves password');
    const second = await codesFor('dave', 'daves password');
    expect(second.codes.filter((c) => first.codes.includes(c))).toEqual([]);
    expect(await h.stack.db.prisma.recoveryCode.count()).toBe(RECOVERY_CODE_COUNT);
    await expect(h.asGuest('recovery.code', { username: 'dave', code: first.codes[0]!, newPassword: 'daves new password' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    await expect(h.asGuest('recovery.code', { username: 'dave', code: second.codes[0]!, newPassword: 'daves new password' })).resolves.toEqual({
      revokedSessions: 2,
    });
  });

  it("does not take another account's code", async () => {
    h = await startRecovery(backend);
    await h.register('erin', 'erins password');
    await h.register('frank', 'franks password');
    const { codes } = await codesFor('erin', 'erins password');
    await expect(h.asGuest('recovery.code', { username: 'frank', code: codes[0]!, newPassword: 'stolen password' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    await h.login('frank', 'franks password');
    await expect(h.asGuest('recovery.code', { username: 'erin', code: codes[0]!, newPassword: 'erins new password' })).resolves.toEqual({
      revokedSessions: 1,
    });
  });

  it('lets one of two requests racing with the same code win, and fails the other like a wrong code', async () => {
    h = await startRecovery(backend);
    await h.register('gina', 'ginas password');
    const { codes } = await codesFor('gina', 'ginas password');
    const [a, b] = await Promise.all([
      h.asGuest('recovery.code', { username: 'gina', code: codes[0]!, newPassword: 'first racer password' }).catch((e: unknown) => e),
      h.asGuest('recovery.code', { username: 'gina', code: codes[0]!, newPassword: 'second racer password' }).catch((e: unknown) => e),
    ]);
    const outcomes = [a, b].map((r) => ((r as { code?: string }).code === undefined ? 'reset' : (r as { code: string }).code));
    expect(outcomes.sort()).toEqual(['INVALID_CREDENTIALS', 'reset']);
    expect(await h.stack.db.prisma.recoveryCode.count({ where: { usedAt: { not: null } } })).toBe(1);
  });
});
