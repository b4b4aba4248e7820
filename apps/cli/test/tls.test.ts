import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthService } from '@tidings/auth';
import { startTestService, startTestStack, type TestStack } from '@tidings/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorLine, runCli, runProcess, tempHome } from './helpers.js';
import { uniqueUser } from './stack.js';

/** A CA and a server certificate it signed for localhost and 127.0.0.1, made with the openssl CLI as docs/tls.md does. */
function makeCertificates(dir: string) {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=Tidings test CA', '-days', '1', '-keyout', file('ca.key'), '-out', file('ca.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('key.pem'), '-out', file('server.csr'));
  writeFileSync(file('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file('san.ext'),
    '-out',
    file('cert.pem'),
  );
  return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem') };
}

let dir: string;
let certs: ReturnType<typeof makeCertificates>;
let stack: TestStack;
let stopAuth: () => Promise<void>;
let url: string;
const homes: Awaited<ReturnType<typeof tempHome>>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tidings-cli-tls-'));
  certs = makeCertificates(dir);
  stack = await startTestStack({ broker: { tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key), mqttsPort: 0 } } });
  const auth = await startTestService(stack, 'auth', (deps) => createAuthService({ ...deps, sleep: async () => {} }));
  stopAuth = () => auth.stop();
  url = stack.broker.mqttsUrl!;
});
afterAll(async () => {
  await stopAuth?.();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const h of homes.splice(0)) await h.remove();
});

async function machine(extra: Record<string, string> = {}) {
  const h = await tempHome();
  homes.push(h);
  const env = { ...h.env, TIDINGS_URL: url, TIDINGS_CONNECT_TIMEOUT: '10', ...extra };
  return (argv: string[], stdin?: string) => runCli(argv, stdin === undefined ? { env } : { env, stdin });
}

describe('the CLI over mqtts://', () => {
  it('trusts the CA given with --ca or TIDINGS_CA, and a real command works', async () => {
    expect(url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const user = uniqueUser('tls');
    const cli = await machine();
    expect(await cli(['register', user, '--password-stdin', '--ca', certs.ca], 'tls-password\n')).toEqual({
      status: 0,
      stdout: `registered ${user}\nnow run: tidings login ${user} --ca ${certs.ca}\n`,
      stderr: '',
    });

    const withEnv = await machine({ TIDINGS_CA: certs.ca });
    expect(await withEnv(['login', user, '--password-stdin'], 'tls-password\n')).toMatchObject({ status: 0, stderr: '' });
    expect(await withEnv(['whoami'])).toEqual({ status: 0, stdout: `${user}\n`, stderr: '' });
    // The same over WSS on the broker's HTTPS port.
    const wss = `wss://127.0.0.1:${stack.broker.httpPort}/mqtt`;
    expect(await withEnv(['whoami', '--url', wss])).toEqual({ status: 0, stdout: `${user}\n`, stderr: '' });
  });

  it('without the CA fails at once with one line that says to use --ca', async () => {
    const cli = await machine();
    const started = Date.now();
    const result = await cli(['register', uniqueUser('untrusted'), '--password-stdin'], 'tls-password\n');
    expect(result.status).toBe(1);
    expect(errorLine(result)).toMatch(
      new RegExp(
        `^tidings: the broker at ${url.replace(/[.]/g, '\\.')} has a TLS certificate this machine does not trust: unable to verify the first certificate; pass its CA certificate with --ca FILE \\(or TIDINGS_CA\\), or --insecure to skip the check$`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(5000); // not retried until the connect timeout (10 s here)

    // A CA that did not sign it: named in the message.
    const other = join(dir, 'other-ca.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=Other CA', '-days', '1', '-keyout', join(dir, 'other.key'), '-out', other],
      {
        stdio: 'ignore',
      },
    );
    const wrongCa = await cli(['register', uniqueUser('wrongca'), '--password-stdin', '--ca', other], 'tls-password\n');
    expect(errorLine(wrongCa)).toMatch(/does not trust \(the CA of --ca did not vouch for it\): .*--ca FILE/);
  });

  it('with --insecure or TIDINGS_INSECURE=1 connects, and warns on stderr every time', async () => {
    const cli = await machine();
    const user = uniqueUser('insecure');
    const register = await cli(['register', user, '--password-stdin', '--insecure'], 'tls-password\n');
    expect(register.status).toBe(0);
    expect(register.stderr).toMatch(/^WARNING: --insecure: the broker's TLS certificate is not checked.*passwords included\n$/);
    const insecureEnv = await machine({ TIDINGS_INSECURE: '1' });
    const login = await insecureEnv(['login', user, '--password-stdin'], 'tls-password\n');
    expect(login.status).toBe(0);
    expect(login.stderr).toMatch(/^WARNING: --insecure/);
    const whoami = await insecureEnv(['whoami']);
    expect(whoami).toMatchObject({ status: 0, stdout: `${user}\n` });
    expect(whoami.stderr).toMatch(/^WARNING: --insecure/);
  });

  it('refuses a CA file that is missing, unreadable or not PEM with one line and status 2', async () => {
    const cli = await machine();
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    const missing = await cli(['whoami', '--ca', join(dir, 'nope.pem')]);
    expect(missing.status).toBe(2);
    expect(errorLine(missing)).toBe(`tidings: --ca: cannot read ${join(dir, 'nope.pem')} (no such file); give a PEM file with the CA certificate(s) to trust`);
    const directory = await cli(['whoami', '--ca', dir]);
    expect(errorLine(directory)).toBe(`tidings: --ca: cannot read ${dir} (it is a directory); give a PEM file with the CA certificate(s) to trust`);
    const garbage = await cli(['whoami', '--ca', notPem]);
    expect(garbage.status).toBe(2);
    expect(errorLine(garbage)).toBe(
      `tidings: --ca: ${notPem} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give a PEM file with the CA certificate(s) to trust`,
    );
    const fromEnv = await (await machine({ TIDINGS_CA: notPem }))(['whoami']);
    expect(fromEnv.status).toBe(2);
    expect(errorLine(fromEnv)).toMatch(/^tidings: TIDINGS_CA: /);
    const badInsecure = await (await machine({ TIDINGS_INSECURE: 'maybe' }))(['whoami']);
    expect(badInsecure.status).toBe(2);
    expect(errorLine(badInsecure)).toBe('tidings: TIDINGS_INSECURE must be 1 or 0 (or true/false, yes/no) (got "maybe")');
  });

  it('trusts NODE_EXTRA_CA_CERTS too (the built binary, as its own process)', async () => {
    const appDir = fileURLToPath(new URL('..', import.meta.url));
    const h = await tempHome();
    homes.push(h);
    const result = await runProcess(process.execPath, ['dist/tidings.js', 'register', uniqueUser('extra'), '--password-stdin'], {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? '', HOME: h.home, ...h.env, TIDINGS_URL: url, NODE_EXTRA_CA_CERTS: certs.ca },
      stdin: 'tls-password\n',
    });
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^registered /);
  });
});
