import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@tidings/service-kit';
import { describe, expect, it } from 'vitest';
import { INFRA, ROOT, SERVICE_PROCESSES, environmentProblems, makeSecrets, parseEnvFile } from './lib.js';
import { validateManifest } from './k8s-lib.js';

describe('infra/make-secrets.mjs', () => {
  it('names the services service-kit knows', () => {
    const script = readFileSync(path.join(INFRA, 'make-secrets.mjs'), 'utf8');
    const listed = /export const SERVICES = (\[[^\]]*\])/.exec(script)?.[1];
    expect(JSON.parse(listed!.replaceAll("'", '"'))).toEqual([...SERVICES]);
    expect([...SERVICES].sort()).toEqual([...SERVICE_PROCESSES].sort());
  });

  it('makes every file, each readable by its owner only, and prints no secret', () => {
    const made = makeSecrets();
    expect(made.status).toBe(0);
    expect(made.files).toEqual(
      ['database.env', 'kubernetes-secret.json', 'postgres-password', 'service-credentials.json', ...SERVICES.map((s) => `${s}.env`)].sort(),
    );
    for (const f of made.files) expect(statSync(path.join(made.dir, f)).mode & 0o777, f).toBe(0o600);
    const credentials = JSON.parse(readFileSync(path.join(made.dir, 'service-credentials.json'), 'utf8')) as Record<string, string>;
    for (const secret of Object.values(credentials)) expect(made.stdout + made.stderr).not.toContain(secret);
  });

  it("gives each service the password the broker's service-credentials.json holds for it, each a different one", () => {
    const made = makeSecrets();
    const credentials = JSON.parse(readFileSync(path.join(made.dir, 'service-credentials.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(credentials).sort()).toEqual([...SERVICES].sort());
    expect(new Set(Object.values(credentials)).size).toBe(SERVICES.length);
    for (const service of SERVICES) {
      const env = parseEnvFile(readFileSync(path.join(made.dir, `${service}.env`), 'utf8'));
      expect(env.TIDINGS_SERVICE_SECRET).toBe(credentials[service]);
      // Every variable is a setting that service reads, with a value it accepts (a secret of 16+ characters, a 32+ recovery key).
      expect(environmentProblems(service, env)).toEqual([]);
    }
    expect(Object.keys(parseEnvFile(readFileSync(path.join(made.dir, 'security-questions.env'), 'utf8')))).toContain('TIDINGS_RECOVERY_KEY');
  });

  it("points DATABASE_URL at Compose's postgres with the password it gives PostgreSQL", () => {
    const made = makeSecrets();
    const password = readFileSync(path.join(made.dir, 'postgres-password'), 'utf8').trim();
    const env = parseEnvFile(readFileSync(path.join(made.dir, 'database.env'), 'utf8'));
    expect(env.DATABASE_URL).toBe(`postgresql://tidings:${password}@postgres:5432/tidings`);
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(environmentProblems('migrate', env)).toEqual([]);
    expect(environmentProblems('broker', env)).toEqual([]);
  });

  it('takes another database URL, and makes the same secrets as a Kubernetes Secret that validates', async () => {
    const url = 'postgresql://tidings:pw@db.example.org:5432/tidings';
    const made = makeSecrets('--database-url', url);
    expect(made.status).toBe(0);
    expect(parseEnvFile(readFileSync(path.join(made.dir, 'database.env'), 'utf8')).DATABASE_URL).toBe(url);
    const secret = JSON.parse(readFileSync(path.join(made.dir, 'kubernetes-secret.json'), 'utf8')) as {
      kind: string;
      metadata: { name: string; namespace: string };
      stringData: Record<string, string>;
    };
    expect(await validateManifest(secret)).toEqual([]);
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'tidings-secrets', namespace: 'tidings' } });
    const credentials = readFileSync(path.join(made.dir, 'service-credentials.json'), 'utf8');
    expect(JSON.parse(secret.stringData['service-credentials.json']!)).toEqual(JSON.parse(credentials));
    for (const service of SERVICES) expect(secret.stringData[`service-secret-${service}`]).toBe((JSON.parse(credentials) as Record<string, string>)[service]);
    expect(secret.stringData['database-url']).toBe(url);
  });

  it('writes where git never commits: infra/compose/secrets/ is ignored', () => {
    const git = spawnSync('git', ['check-ignore', '-q', 'infra/compose/secrets/database.env', 'infra/compose/tls/privkey.pem'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (git.error || git.status === 128) return void console.log('no git, or not a repository: not checking .gitignore');
    expect(git.status, 'infra/compose/secrets/ and tls/ must be in .gitignore').toBe(0);
  });

  it('refuses to overwrite secrets already made, and refuses a bad argument', () => {
    const made = makeSecrets();
    const before = readFileSync(path.join(made.dir, 'service-credentials.json'), 'utf8');
    // The same directory a second time.
    const rerun = makeSecretsInto(made.dir);
    expect(rerun.status).toBe(1);
    expect(rerun.stderr).toMatch(/already holds secrets/);
    expect(readFileSync(path.join(made.dir, 'service-credentials.json'), 'utf8')).toBe(before);
    const bad = makeSecrets('--database-url', 'mysql://x');
    expect(bad.status).toBe(2);
    expect(bad.files).toEqual([]);
  });
});

/** make-secrets.mjs into a directory the test chose. */
function makeSecretsInto(dir: string) {
  return spawnSync(process.execPath, [path.join(INFRA, 'make-secrets.mjs'), dir], { encoding: 'utf8' });
}
