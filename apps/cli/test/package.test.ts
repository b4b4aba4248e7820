import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from './helpers.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const version = (JSON.parse(await readFile(join(appDir, 'package.json'), 'utf8')) as { version: string }).version;
let scratch: string;

/** The environment of a shell: no npm/pnpm variables of the test runner, no TIDINGS_* settings. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|PNPM_|TIDINGS_|INIT_CWD$)/i.test(k)) env[k] = v;
  }
  return { ...env, TIDINGS_CLI_HOME: join(scratch, 'home'), ...extra };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tidings-cli-pack-'));
  // The bin as the build makes it, from this source.
  await promisify(execFile)(process.execPath, ['scripts/bundle.mjs'], { cwd: appDir });
}, 60_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('the CLI as a package of its own', () => {
  it('packs into a tarball of one bundled file that installs offline and runs with nothing else', async () => {
    const pack = await promisify(execFile)('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: appDir, env: shellEnv() });
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed!.files.map((f) => f.path).sort()).toEqual(['README.md', 'dist/tidings.js', 'package.json']);

    const app = join(scratch, 'app');
    await promisify(execFile)('mkdir', ['-p', app]);
    await writeFile(join(app, 'package.json'), '{"private":true}\n');
    // --offline: the tarball needs nothing from a registry (it has no dependencies at all).
    await promisify(execFile)('npm', ['install', '--offline', '--no-audit', '--no-fund', join(scratch, packed!.filename)], { cwd: app, env: shellEnv() });
    const installed = JSON.parse(await readFile(join(app, 'node_modules/@tidings/cli/package.json'), 'utf8')) as Record<string, unknown>;
    expect(installed.dependencies).toBeUndefined();

    const bin = join(app, 'node_modules/.bin/tidings');
    expect(await runProcess(bin, ['--version'], { cwd: app, env: shellEnv() })).toEqual({ status: 0, stdout: `tidings ${version}\n`, stderr: '' });
    const help = await runProcess(bin, ['--help'], { cwd: app, env: shellEnv() });
    expect(help).toMatchObject({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: tidings <command> \[options\]$/m);
    expect(await runProcess(bin, ['whoami'], { cwd: app, env: shellEnv() })).toEqual({
      status: 1,
      stdout: '',
      stderr: 'tidings: not signed in: run tidings login <user>\n',
    });
  });

  it('goes on the PATH from a checkout with npm install -g ./apps/cli', async () => {
    const prefix = join(scratch, 'global');
    await promisify(execFile)('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', './apps/cli'], {
      cwd: repoRoot,
      env: shellEnv(),
    });
    const env = shellEnv({ PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` });
    expect(await runProcess('tidings', ['--version'], { cwd: scratch, env })).toEqual({ status: 0, stdout: `tidings ${version}\n`, stderr: '' });
  });

  it('runs as `pnpm tidings` from the repository root with only its own output and its exit status', async () => {
    const pnpm = (args: string[]) => runProcess('npx', ['-y', 'pnpm@12.4.2', 'tidings', ...args], { cwd: repoRoot, env: shellEnv() });
    // npx may say something of its own (a notice about npm itself): not pnpm's, not ours.
    const withoutNpx = (text: string) => text.replace(/^npm (notice|warn).*\n/gm, '');

    const ok = await pnpm(['--version']);
    expect({ ...ok, stderr: withoutNpx(ok.stderr) }).toEqual({ status: 0, stdout: `tidings ${version}\n`, stderr: '' });
    const usage = await pnpm(['frobnicate']);
    expect({ ...usage, stderr: withoutNpx(usage.stderr) }).toEqual({
      status: 2,
      stdout: '',
      stderr: 'tidings: unknown command "frobnicate" (see pnpm tidings --help)\n',
    });
    const failed = await pnpm(['whoami']);
    expect({ ...failed, stderr: withoutNpx(failed.stderr) }).toEqual({
      status: 1,
      stdout: '',
      stderr: 'tidings: not signed in: run pnpm tidings login <user>\n',
    });
  });
});
