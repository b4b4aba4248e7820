import { access, readFile, writeFile } from 'node:fs/promises';
import { connectUser } from '@tidings/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliHome } from '../src/session-store.js';
import { Capture, FakeTerminal, errorLine, runCli, tempHome } from './helpers.js';
import { startAuthStack, uniqueUser, type AuthStack } from './stack.js';

let auth: AuthStack;
const homes: Awaited<ReturnType<typeof tempHome>>[] = [];

beforeAll(async () => {
  auth = await startAuthStack();
});
afterAll(async () => {
  await auth?.close();
});
afterEach(async () => {
  for (const h of homes.splice(0)) await h.remove();
});

/** A fresh CLI home on "a machine" whose TIDINGS_URL points at the test broker. */
async function machine() {
  const h = await tempHome();
  homes.push(h);
  const env = { ...h.env, TIDINGS_URL: auth.url };
  return {
    store: new CliHome(h.home),
    env,
    cli: (argv: string[], stdin?: string) => runCli(argv, stdin === undefined ? { env } : { env, stdin }),
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('the CLI against a running broker and auth service', () => {
  it('registers, signs in, says who you are, changes the password, signs out, and then is signed out', async () => {
    const m = await machine();
    const user = uniqueUser('alice');

    const register = await m.cli(['register', user, '--password-stdin'], 'first-password\n');
    expect(register).toEqual({ status: 0, stdout: `registered ${user}\nnow run: tidings login ${user}\n`, stderr: '' });

    const login = await m.cli(['login', user, '--password-stdin'], 'first-password\n');
    expect(login.stderr).toBe('');
    expect(login.status).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^signed in as ${user} \\(session expires \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)\\n$`));
    const session = await m.store.readSession();
    expect(session).toMatchObject({ url: auth.url, username: user, device: await m.store.deviceId() });

    expect(await m.cli(['whoami'])).toEqual({ status: 0, stdout: `${user}\n`, stderr: '' });

    const passwd = await m.cli(['passwd', '--password-stdin'], 'first-password\nsecond-password\n');
    expect(passwd).toEqual({ status: 0, stdout: 'password changed; 0 other sessions signed out\n', stderr: '' });
    expect(await m.cli(['whoami'])).toMatchObject({ status: 0, stdout: `${user}\n` });

    expect(await m.cli(['logout'])).toEqual({ status: 0, stdout: 'signed out\n', stderr: '' });
    expect(await exists(m.store.sessionPath)).toBe(false);

    const after = await m.cli(['whoami']);
    expect(after.status).toBe(1);
    expect(errorLine(after)).toBe('tidings: not signed in: run tidings login <user>');

    // The old password is gone, the new one works.
    const old = await m.cli(['login', user, '--password-stdin'], 'first-password\n');
    expect(old.status).toBe(1);
    expect((await m.cli(['login', user, '--password-stdin'], 'second-password\n')).status).toBe(0);
  });

  it('fails to sign in with a wrong password, with the reason, and saves no session', async () => {
    const m = await machine();
    const user = uniqueUser('bob');
    expect((await m.cli(['register', user, '--password-stdin'], 'right-password\n')).status).toBe(0);

    const text = await m.cli(['login', user, '--password-stdin'], 'wrong-password\n');
    expect(text.status).toBe(1);
    expect(text.stdout).toBe('');
    expect(errorLine(text)).toMatch(/^tidings: .*(wrong|incorrect|invalid)/i);

    const json = await m.cli(['login', user, '--password-stdin', '--json'], 'wrong-password\n');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_CREDENTIALS' } });
    expect(await m.store.readSession()).toBeNull();
  });

  it('refuses to register a taken username', async () => {
    const m = await machine();
    const user = uniqueUser('carol');
    expect((await m.cli(['register', user, '--password-stdin'], 'some-password\n')).status).toBe(0);
    const again = await m.cli(['register', user, '--password-stdin', '--json'], 'other-password\n');
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, error: { code: 'USERNAME_TAKEN' } });
  });

  it('prints one JSON object per command under --json, and never the token', async () => {
    const m = await machine();
    const user = uniqueUser('dave');
    const parse = (stdout: string) => {
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      return JSON.parse(lines[0]!) as { ok: boolean; data: Record<string, unknown> };
    };

    expect(parse((await m.cli(['register', user, '--json', '--password-stdin'], 'dave-password\n')).stdout)).toEqual({
      ok: true,
      data: { username: user },
    });

    const login = await m.cli(['login', user, '--json', '--password-stdin', '--device', 'laptop'], 'dave-password\n');
    expect(login.status).toBe(0);
    const session = (await m.store.readSession())!;
    expect(parse(login.stdout)).toEqual({
      ok: true,
      data: { username: user, sessionId: session.sessionId, expiresAt: session.expiresAt, device: 'laptop', url: auth.url },
    });
    expect(login.stdout).not.toContain(session.token.split('.')[1]!);

    const who = parse((await m.cli(['whoami', '--json'])).stdout);
    expect(who).toMatchObject({ ok: true, data: { username: user, sessionId: session.sessionId, device: 'laptop', url: auth.url } });
    expect(typeof who.data.createdAt).toBe('number');

    expect(parse((await m.cli(['passwd', '--json', '--password-stdin'], 'dave-password\ndave-password-2\n')).stdout)).toEqual({
      ok: true,
      data: { username: user, revokedSessions: 0 },
    });
    expect(parse((await m.cli(['logout', '--json'])).stdout)).toEqual({
      ok: true,
      data: { username: user, revoked: true, url: auth.url },
    });
  });

  it("signs out the other machines' sessions on passwd; they learn it at their next command and drop the file", async () => {
    const laptop = await machine();
    const phone = await machine();
    const user = uniqueUser('erin');
    await laptop.cli(['register', user, '--password-stdin'], 'erin-password\n');
    expect((await laptop.cli(['login', user, '--password-stdin'], 'erin-password\n')).status).toBe(0);
    expect((await phone.cli(['login', user, '--password-stdin'], 'erin-password\n')).status).toBe(0);

    const passwd = await laptop.cli(['passwd', '--password-stdin'], 'erin-password\nerin-password-2\n');
    expect(passwd.stdout).toBe('password changed; 1 other session signed out\n');

    const who = await phone.cli(['whoami']);
    expect(who.status).toBe(1);
    expect(errorLine(who)).toBe(`tidings: the session of ${user} has expired or was revoked: sign in again with tidings login ${user}`);
    expect(await exists(phone.store.sessionPath)).toBe(false);
    expect((await laptop.cli(['whoami'])).stdout).toBe(`${user}\n`);
  });

  it('says a session is in use on too many devices when the broker refuses its 17th device id', async () => {
    const m = await machine();
    const user = uniqueUser('frank');
    await m.cli(['register', user, '--password-stdin'], 'frank-password\n');
    expect((await m.cli(['login', user, '--password-stdin'], 'frank-password\n')).status).toBe(0);
    const session = (await m.store.readSession())!;
    // login itself connected as this machine's device once (1 of 16); 15 more fill the set
    for (let i = 0; i < 15; i++) {
      const conn = await connectUser({ url: auth.url }, { username: user, token: session.token, device: `other-${i}` });
      await conn.close();
    }
    // The devices it has keep working; a watch (a device of its own per conversation) is the 17th.
    expect((await m.cli(['whoami'])).stdout).toBe(`${user}\n`);
    const watch = await m.cli(['watch', 'general', '--for', '0.1']);
    expect(watch.status).toBe(1);
    expect(errorLine(watch)).toBe(`tidings: the session of ${user} is in use on too many devices: sign in again with tidings login ${user}`);
  });

  it('removes a revoked session on logout and says it was already over', async () => {
    const m = await machine();
    const user = uniqueUser('frank');
    await m.cli(['register', user, '--password-stdin'], 'frank-password\n');
    await m.cli(['login', user, '--password-stdin'], 'frank-password\n');
    const saved = await readFile(m.store.sessionPath, 'utf8');
    expect((await m.cli(['logout'])).status).toBe(0);

    // Put the revoked session back, as if logout had happened elsewhere.
    await writeFile(m.store.sessionPath, saved, { mode: 0o600 });
    const again = await m.cli(['logout']);
    expect(again).toEqual({ status: 0, stdout: 'signed out (the session had already expired or been revoked)\n', stderr: '' });
    expect(await exists(m.store.sessionPath)).toBe(false);
  });

  it('ends the previous session of this machine when signing in again', async () => {
    const m = await machine();
    const user = uniqueUser('grace');
    await m.cli(['register', user, '--password-stdin'], 'grace-password\n');
    await m.cli(['login', user, '--password-stdin'], 'grace-password\n');
    const first = (await m.store.readSession())!;
    expect((await m.cli(['login', user, '--password-stdin'], 'grace-password\n')).status).toBe(0);
    const second = (await m.store.readSession())!;
    expect(second.sessionId).not.toBe(first.sessionId);

    await expect(connectUser({ url: auth.url, connectTimeoutMs: 5000 }, { username: user, token: first.token, device: 'probe' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect((await m.cli(['whoami'])).stdout).toBe(`${user}\n`);
  });

  it('reads passwords from hidden prompts on a terminal', async () => {
    const m = await machine();
    const user = uniqueUser('heidi');
    const keyboard = new FakeTerminal();
    const screen = new Capture();
    const register = runCli(['register', user], { env: m.env, stdin: keyboard, stderr: screen });
    await screen.waitFor('password: ');
    keyboard.write('heidi-password\r');
    await screen.waitFor('password (again): ');
    keyboard.write('heidi-password\r');
    const result = await register;
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('password: \npassword (again): \n');
    expect(result.stdout).toContain(`registered ${user}`);
    expect((await m.cli(['login', user, '--password-stdin'], 'heidi-password\n')).status).toBe(0);
  });
});
