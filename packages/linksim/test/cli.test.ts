import { describe, expect, it } from 'vitest';
import { runCli } from '../src/command.js';
import { connect, echoServer, roundTrip, waitFor } from './helpers.js';

function output() {
  let text = '';
  return { stream: { write: (s: string) => (text += s) }, text: () => text };
}

describe('tidings-linksim', () => {
  it('listens, prints where and the schedule, logs events, and closes on the signal', async () => {
    const echo = await echoServer();
    const out = output();
    const err = output();
    const stop = new AbortController();
    const running = runCli(['--target', `127.0.0.1:${echo.port}`, '--profile', 'flaky', '--scale', '0.05', '--seed', '7', '--listen', '127.0.0.1:0'], {
      stdout: out.stream,
      stderr: err.stream,
      signal: stop.signal,
    });
    await waitFor(() => /^tidings-linksim: 127\.0\.0\.1:(\d+) → /.test(out.text()), 'the listening line');
    const port = Number(/^tidings-linksim: 127\.0\.0\.1:(\d+)/.exec(out.text())![1]);
    expect(out.text()).toContain('profile flaky@0.05: delay 50 ms each way, 1280 kbit/s each way, cuts every 0.500s–1.500s');
    expect(out.text()).toContain('seed 7');
    expect(out.text()).toMatch(/schedule:\n {2}\+\d\.\d{3}s cut\n/);
    expect(out.text()).toContain('+1.500s stall for 1.000s');
    expect(out.text()).toMatch(/ {2}… and \d+ more in the first 10 minutes\n/);

    await roundTrip(await connect(port));
    await waitFor(() => /\+\d+\.\d+s connect #1\n/.test(out.text()) && /\+\d+\.\d+s cut \(\d+ connections\)\n/.test(out.text()), 'events');
    stop.abort();
    expect(await running).toBe(0);
    expect(out.text()).toMatch(/closed: \d+ B up, \d+ B down; 1 connections/);
    expect(err.text()).toBe('');
  });

  it('writes JSON lines with --json', async () => {
    const echo = await echoServer();
    const out = output();
    const stop = new AbortController();
    const running = runCli(['--target', String(echo.port), '--profile', 'none', '--json'], {
      stdout: out.stream,
      stderr: output().stream,
      signal: stop.signal,
    });
    await waitFor(() => out.text().includes('\n'), 'the first line');
    const first = JSON.parse(out.text().split('\n')[0]!) as { type: string; port: number; profile: { name: string } };
    expect(first).toMatchObject({ type: 'listening', profile: { name: 'none' } });
    await roundTrip(await connect(first.port));
    stop.abort();
    expect(await running).toBe(0);
    const types = out
      .text()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(['listening', 'connect', 'close', 'stats']);
  });

  it('refuses bad arguments with the usage and status 2', async () => {
    for (const argv of [[], ['--target', 'x:notaport'], ['--target', '1883', '--profile', 'awful'], ['--target', '1883', '--scale', '0'], ['--bogus']]) {
      const err = output();
      const status = await runCli(argv, { stdout: output().stream, stderr: err.stream, signal: new AbortController().signal });
      expect(status).toBe(2);
      expect(err.text()).toMatch(/^tidings-linksim: .+\n\nUsage: tidings-linksim/);
    }
  });
});
