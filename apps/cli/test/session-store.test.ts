import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEVICE_PATTERN } from '@tidings/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { CliHome, cliHomeDir, type Session } from '../src/session-store.js';
import { tempHome } from './helpers.js';

const session: Session = {
  url: 'mqtt://127.0.0.1:1883',
  username: 'alice',
  token: 'sess1234.secret-part',
  sessionId: 'sess1234',
  expiresAt: 1_900_000_000_000,
  device: 'cli-abc',
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function freshHome(): Promise<CliHome> {
  const t = await tempHome();
  cleanup.push(t.remove);
  return new CliHome(t.home);
}

describe('session store', () => {
  it('writes the session file with mode 0600 in a directory it makes with mode 0700', async () => {
    const home = await freshHome();
    await home.writeSession(session);
    expect((await stat(home.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(home.sessionPath)).mode & 0o777).toBe(0o600);
  });

  it('keeps the file 0600 under a permissive umask', async () => {
    const home = await freshHome();
    const old = process.umask(0o000);
    try {
      await home.writeSession(session);
      await home.writeSession({ ...session, sessionId: 'sess5678' });
    } finally {
      process.umask(old);
    }
    expect((await stat(home.sessionPath)).mode & 0o777).toBe(0o600);
    expect((await stat(home.dir)).mode & 0o777).toBe(0o700);
  });

  it('reads back the session it wrote, and replaces it without leaving temporary files', async () => {
    const home = await freshHome();
    await home.writeSession(session);
    expect(await home.readSession()).toEqual(session);
    const next = { ...session, sessionId: 'sess5678', token: 'sess5678.other' };
    await home.writeSession(next);
    expect(await home.readSession()).toEqual(next);
    expect(await readdir(home.dir)).toEqual(['session.json']);
  });

  it('answers null when there is no session, and removing then reports whether there was one', async () => {
    const home = await freshHome();
    expect(await home.readSession()).toBeNull();
    expect(await home.removeSession()).toBe(false);
    await home.writeSession(session);
    expect(await home.removeSession()).toBe(true);
    expect(await home.readSession()).toBeNull();
  });

  it.each([
    ['not JSON', '{"url":'],
    ['a session without a token', JSON.stringify({ ...session, token: undefined })],
    ['a session with an impossible username', JSON.stringify({ ...session, username: 'Not Valid' })],
  ])('refuses a damaged session file (%s) and says how to recover', async (_what, content) => {
    const home = await freshHome();
    await mkdir(home.dir, { recursive: true });
    await writeFile(home.sessionPath, content);
    await expect(home.readSession()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: `the session file ${home.sessionPath} is damaged: remove it and sign in again`,
    });
  });

  it('makes a device id once, keeps it in the home, and returns the same one after', async () => {
    const home = await freshHome();
    const first = await home.deviceId();
    expect(first).toMatch(DEVICE_PATTERN);
    expect(first).toMatch(/^cli-/);
    expect(await home.deviceId()).toBe(first);
    expect(await new CliHome(home.dir).deviceId()).toBe(first);
    expect((await readFile(home.devicePath, 'utf8')).trim()).toBe(first);
    expect((await stat(home.devicePath)).mode & 0o777).toBe(0o600);
  });

  it('gives two homes different device ids', async () => {
    const a = await freshHome();
    const b = await freshHome();
    expect(await a.deviceId()).not.toBe(await b.deviceId());
  });

  it('refuses a device file that holds no valid device id', async () => {
    const home = await freshHome();
    await mkdir(home.dir, { recursive: true });
    await writeFile(home.devicePath, 'two words\n');
    await expect(home.deviceId()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('lives in $TIDINGS_CLI_HOME, else $XDG_CONFIG_HOME/tidings, else ~/.config/tidings', () => {
    expect(cliHomeDir({ TIDINGS_CLI_HOME: '/x/y', XDG_CONFIG_HOME: '/c', HOME: '/h' })).toBe('/x/y');
    expect(cliHomeDir({ XDG_CONFIG_HOME: '/c', HOME: '/h' })).toBe(join('/c', 'tidings'));
    expect(cliHomeDir({ HOME: '/h' })).toBe(join('/h', '.config', 'tidings'));
  });
});
