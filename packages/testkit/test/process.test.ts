import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runServiceProcess, type ServiceProcess } from '../src/index.js';

/** A stand-in for a service's main: says what it was given, then waits for SIGTERM. */
const SCRIPT = `
if (process.env.FAIL) { process.stderr.write('bad setting: FAIL\\n'); process.exit(1); }
process.on('SIGTERM', () => { process.stdout.write('{"msg":"stopped"}\\n'); process.exit(0); });
setInterval(() => {}, 1000);
process.stdout.write(JSON.stringify({ msg: 'started', greeting: process.env.GREETING, home: process.env.HOME ?? null }) + '\\n');
`;

let dir: string;
let script: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tidings-process-test-'));
  script = path.join(dir, 'main.js');
  await writeFile(script, SCRIPT);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runServiceProcess', () => {
  let proc: ServiceProcess | undefined;
  afterEach(() => proc?.kill());

  it('runs the script with only the given environment, keeps its output, and stop sends SIGTERM and gives the exit code', async () => {
    proc = runServiceProcess({ script, env: { GREETING: 'hello' } });
    await proc.waitFor('"msg":"started"');
    expect(JSON.parse(proc.lines()[0]!)).toEqual({ msg: 'started', greeting: 'hello', home: null });
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(proc.lines()).toEqual([proc.lines()[0], '{"msg":"stopped"}']);
  });

  it('gives stderr apart, and waitFor fails at once, quoting the output, when the process ends first', async () => {
    proc = runServiceProcess({ script, env: { FAIL: '1' } });
    await expect(proc.waitFor(/never written/)).rejects.toThrow(/ended before writing \/never written\/[\s\S]*bad setting: FAIL/);
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toBe('bad setting: FAIL\n');
  });

  it('refuses a script that was not built', () => {
    expect(() => runServiceProcess({ script: path.join(dir, 'missing.js'), env: {} })).toThrow(/build the package first/);
  });
});
