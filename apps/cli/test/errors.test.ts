import { access, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliHome, type Session } from '../src/session-store.js';
import { UNREACHABLE, closedPort, errorLine, runCli, tempHome, unreachableLine } from './helpers.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let port: number;

beforeEach(async () => {
  home = await tempHome();
  port = await closedPort();
});
afterEach(async () => {
  await home.remove();
});

function savedSession(url: string): Session {
  return { url, username: 'alice', token: 'sess1234.secret', sessionId: 'sess1234', expiresAt: Date.now() + 3600_000, device: 'laptop' };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('errors', () => {
  it('fails with one line naming the URL when nothing listens at the broker address', async () => {
    const url = `mqtt://127.0.0.1:${port}`;
    const result = await runCli(['register', 'alice', '--password-stdin', '--url', url], { env: { ...home.env, ...UNREACHABLE }, stdin: 'password-1\n' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(unreachableLine(result)).toMatch(new RegExp(`^tidings: cannot reach the broker at ${url} \\(.*ECONNREFUSED.*\\)$`));
  });

  it('answers {"ok":false,"error":{"code":"UNAVAILABLE",…}} under --json when the broker is unreachable', async () => {
    const url = `mqtt://127.0.0.1:${port}`;
    const result = await runCli(['login', 'alice', '--json', '--password-stdin', '--url', url], {
      env: { ...home.env, ...UNREACHABLE },
      stdin: 'password-1\n',
    });
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const body = JSON.parse(lines[0]!) as { error: { message: string } };
    expect(body).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringContaining(`cannot reach the broker at ${url}`) } });
    expect(unreachableLine(result)).toBe(`tidings: ${body.error.message}`);
    expect(await new CliHome(home.home).readSession()).toBeNull();
  });

  it('connects to $TIDINGS_URL when --url is not given', async () => {
    const url = `mqtt://127.0.0.1:${port}`;
    const result = await runCli(['register', 'alice', '--password-stdin'], { env: { ...home.env, ...UNREACHABLE, TIDINGS_URL: url }, stdin: 'password-1\n' });
    expect(result.status).toBe(1);
    expect(unreachableLine(result)).toContain(`cannot reach the broker at ${url} `);
  });

  it.each(['whoami', 'logout', 'passwd'])('says "not signed in" for %s when there is no session', async (command) => {
    const argv = command === 'passwd' ? [command, '--json', '--password-stdin'] : [command, '--json'];
    const result = await runCli(argv, { env: home.env, stdin: 'current-password\nnew-password\n' });
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { code: 'UNAUTHORIZED', message: 'not signed in: run tidings login <user>' },
    });
    expect(errorLine(result)).toBe('tidings: not signed in: run tidings login <user>');
  });

  it("connects signed-in commands to the session's URL, or to --url when given", async () => {
    const store = new CliHome(home.home);
    const sessionUrl = `mqtt://127.0.0.1:${port}`;
    await store.writeSession(savedSession(sessionUrl));
    const other = `mqtt://127.0.0.1:${await closedPort()}`;

    const fromSession = await runCli(['whoami'], { env: { ...home.env, ...UNREACHABLE, TIDINGS_URL: other } });
    expect(unreachableLine(fromSession)).toContain(`cannot reach the broker at ${sessionUrl} `);

    const fromFlag = await runCli(['whoami', '--url', other], { env: { ...home.env, ...UNREACHABLE } });
    expect(unreachableLine(fromFlag)).toContain(`cannot reach the broker at ${other} `);
  });

  it('keeps the session file when logout cannot reach the broker (the session is still valid)', async () => {
    const store = new CliHome(home.home);
    await store.writeSession(savedSession(`mqtt://127.0.0.1:${port}`));
    const result = await runCli(['logout'], { env: { ...home.env, ...UNREACHABLE } });
    expect(result.status).toBe(1);
    expect(unreachableLine(result)).toMatch(/^tidings: cannot reach the broker at /);
    expect(await exists(store.sessionPath)).toBe(true);
  });

  it('reports a damaged session file in one line', async () => {
    const store = new CliHome(home.home);
    await store.ensure();
    await writeFile(store.sessionPath, 'garbage');
    const result = await runCli(['whoami'], { env: home.env });
    expect(result.status).toBe(1);
    expect(errorLine(result)).toBe(`tidings: the session file ${store.sessionPath} is damaged: remove it and sign in again`);
  });
});
