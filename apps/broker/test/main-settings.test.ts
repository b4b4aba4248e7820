import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '@tidings/service-kit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/index.js';

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');

/** Runs the built broker with `env` (and PATH alone besides), to its exit: its code and what it wrote. */
function runBroker(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(MAIN)) throw new Error(`build the broker first: ${MAIN} does not exist`);
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, TIDINGS_DATA_DIR: '/nonexistent/never-used', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('the broker process (dist/main.js) with a bad setting', () => {
  it('stops at once with exit code 2 and one line naming the variable and what it accepts, touching nothing', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ TIDINGS_MQTT_PORT: 'abc' }, 'broker: TIDINGS_MQTT_PORT must be a port number 0–65535 (got "abc")'],
      [{ TIDINGS_HTTP_PORT: '70000' }, 'broker: TIDINGS_HTTP_PORT must be a port number 0–65535 (got "70000")'],
      [{ TIDINGS_TRUST_PROXY: 'maybe' }, 'broker: TIDINGS_TRUST_PROXY must be on or off (or 1/0, true/false, yes/no) (got "maybe")'],
      [{ TIDINGS_MAX_QUEUED_BYTES: '10' }, 'broker: TIDINGS_MAX_QUEUED_BYTES must be a whole number 1,024–1,073,741,824 (got "10")'],
      [{ TIDINGS_LOG_LEVEL: 'verbose' }, 'broker: TIDINGS_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'],
      [{ TIDINGS_TLS_CERT: '/etc/cert.pem' }, 'broker: set both TIDINGS_TLS_CERT and TIDINGS_TLS_KEY, or neither'],
    ];
    // One after another: each is a whole Node process, and the machine is shared.
    for (const [env, line] of cases) {
      const run = await runBroker(env);
      expect(run, JSON.stringify(env)).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
    }
  }, 60_000);
});

describe('the settings table', () => {
  it('shows the broker’s own defaults for the limits it leaves to the broker', () => {
    expect(SETTINGS.TIDINGS_MAX_CONNECTS_PER_MINUTE.default).toBe(`\`${DEFAULT_LIMITS.connectionAttemptsPerMinute}\``);
    expect(SETTINGS.TIDINGS_MAX_DEVICES_PER_SESSION.default).toBe(`\`${DEFAULT_LIMITS.maxDevicesPerSession}\``);
    expect(SETTINGS.TIDINGS_MAX_QUEUED_MESSAGES.default).toBe(`\`${DEFAULT_LIMITS.maxQueuedMessages}\``);
    expect(SETTINGS.TIDINGS_MAX_QUEUED_BYTES.default).toBe(`\`${DEFAULT_LIMITS.maxQueuedBytes}\``);
  });
});
