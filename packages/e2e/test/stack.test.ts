import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { defaultDatabaseUrl, openDatabase, type Database } from '@tidings/db';
import { connectGuest, connectUser, type Connection } from '@tidings/client';
import { Seed, createUserSession, freePort, logLineProblems, waitUntil } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, sendUntilAcked } from './helpers.js';

/**
 * The one-command stack (scripts/stack.mjs, what `pnpm start` runs) with the built apps, on free
 * ports and a temporary data directory, in a process group of its own as a terminal would run it.
 */

const STACK = path.resolve(import.meta.dirname, '../../../scripts/stack.mjs');

interface Stack {
  proc: ChildProcess;
  mqttUrl: string;
  dataDir: string;
  lines: string[];
  /** Resolves when a line matches (rejects after `ms`, quoting the output). */
  waitFor(match: (line: string) => boolean, what: string, ms?: number): Promise<string>;
  exited: Promise<number | null>;
  /** The JSON log lines of the children: `name` is the process (broker, auth, …); the stack's own are left out. */
  logs(): { name: string; pid: number; msg: string; signal?: string }[];
}

let running: Stack | undefined;
let db: Database | undefined;
let user: MqttClient | undefined;
let connections: Connection[] = [];

afterEach(async () => {
  await Promise.all(connections.map((c) => c.close()));
  connections = [];
  await user?.endAsync(true);
  user = undefined;
  await db?.close();
  db = undefined;
  if (running) {
    // Whatever a failed test left: the stack and every child it started.
    for (const pid of new Set([running.proc.pid!, ...running.logs().map((l) => l.pid)])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await rm(running.dataDir, { recursive: true, force: true });
    running = undefined;
  }
});

async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tidings-stack-'));
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const proc = spawn(process.execPath, [STACK], {
    env: {
      PATH: process.env.PATH,
      TIDINGS_DATA_DIR: dataDir,
      TIDINGS_MQTT_PORT: String(mqttPort),
      TIDINGS_HTTP_PORT: String(httpPort),
      TIDINGS_HOST: '127.0.0.1',
      TIDINGS_LOG_FORMAT: 'json',
      ...extraEnv,
    },
    detached: true, // its own process group, as a shell gives a foreground job
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  for (const stream of [proc.stdout, proc.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const l of [...listeners]) l();
    });
  }
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  const stack: Stack = {
    proc,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    dataDir,
    lines,
    exited,
    waitFor(match, what, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${what} within ${ms} ms:\n${lines.join('\n')}`));
        }, ms);
        listeners.add(check);
        check();
      });
    },
    logs() {
      return lines.flatMap((line) => {
        if (!line.startsWith('{')) return [];
        try {
          const entry = JSON.parse(line) as { name?: string; pid?: number; msg?: string; signal?: string };
          return entry.name && entry.name !== 'stack' && entry.pid
            ? [{ name: entry.name, pid: entry.pid, msg: entry.msg ?? '', ...(entry.signal ? { signal: entry.signal } : {}) }]
            : [];
        } catch {
          return [];
        }
      });
    },
  };
  running = stack;
  await stack.waitFor(said('running:'), 'running', 30_000);
  return stack;
}

/** Matches a line of the stack's own (service `stack`) whose message starts with `start`. */
function said(start: string): (line: string) => boolean {
  return (line) => {
    if (!line.startsWith('{')) return false;
    const entry = JSON.parse(line) as { service?: string; msg?: string };
    return entry.service === 'stack' && typeof entry.msg === 'string' && entry.msg.startsWith(start);
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const pidsOf = (stack: Stack, name: string) => [
  ...new Set(
    stack
      .logs()
      .filter((l) => l.name === name)
      .map((l) => l.pid),
  ),
];

describe('the one-command stack', () => {
  it('restarts a broker killed with SIGKILL, leaves the services running, and stops in order on Ctrl-C', async () => {
    const stack = await startStack();
    const services = [...new Set(stack.logs().map((l) => l.name))].filter((n) => n !== 'broker');
    expect(services).toContain('chat-store');
    const [brokerPid] = pidsOf(stack, 'broker');

    db = await openDatabase(defaultDatabaseUrl(stack.dataDir));
    await new Seed(db).room('general', ['ann']);
    const { token } = await createUserSession({ db }, 'ann');
    const device = await connectDevice(stack.mqttUrl, 'ann', token);
    user = device.client;
    expect((await sendUntilAcked(device, 'before', 'before')).s).toBe(1);

    process.kill(brokerPid!, 'SIGKILL');
    await stack.waitFor(said('the broker stopped (SIGKILL); restarting it'), 'the restart');
    await stack.waitFor(said('the broker is back'), 'the broker back');
    expect((await sendUntilAcked(device, 'after', 'after')).s).toBe(2);
    await stack.waitFor(said('every service is connected again'), 'the services back');
    expect(pidsOf(stack, 'broker')).toHaveLength(2);
    for (const name of services) expect(pidsOf(stack, name), `${name} was not restarted`).toHaveLength(1);

    // Ctrl-C: the terminal sends SIGINT to the whole foreground process group.
    process.kill(-stack.proc.pid!, 'SIGINT');
    expect(await stack.exited).toBe(0);
    const output = stack.lines.join('\n');
    expect(output).not.toMatch(/second signal/);
    const stopped = stack.logs().filter((l) => l.msg === 'stopped');
    expect(stopped.map((l) => l.name).sort()).toEqual([...services, 'broker'].sort());
    expect(stopped.at(-1)?.name).toBe('broker'); // the services first, then the broker
    // Each child heard one signal, the stack's SIGTERM: the terminal's SIGINT reached the stack alone.
    const stopping = stack.logs().filter((l) => l.msg === 'stopping');
    expect(stopping.map((l) => l.signal)).toEqual(stopping.map(() => 'SIGTERM'));
    expect(stopping).toHaveLength(services.length + 1);
    for (const pid of new Set(stack.logs().map((l) => l.pid))) expect(alive(pid), `pid ${pid} still running`).toBe(false);
  }, 60_000); // ~13 s here; the machine is shared

  it('restarts a service that stops by itself (as one whose broker connection keeps failing exits with status 1)', async () => {
    const stack = await startStack();
    const [queryPid] = pidsOf(stack, 'chat-query');
    process.kill(queryPid!, 'SIGKILL');
    await stack.waitFor(said('chat-query stopped (SIGKILL); restarting in 500 ms'), 'the restart');
    await stack.waitFor((l) => {
      if (!l.startsWith('{')) return false;
      const entry = JSON.parse(l) as { name?: string; pid?: number; msg?: string };
      return entry.name === 'chat-query' && entry.pid !== queryPid && entry.msg === 'started';
    }, 'a new chat-query started');
    expect(pidsOf(stack, 'chat-query')).toHaveLength(2);
    expect(alive(queryPid!)).toBe(false);
    process.kill(-stack.proc.pid!, 'SIGINT');
    expect(await stack.exited).toBe(0);
  }, 60_000);

  it('leaves nothing running when the stack itself is killed with SIGKILL', async () => {
    const stack = await startStack();
    const children = [...new Set(stack.logs().map((l) => l.pid))];
    expect(children.length).toBeGreaterThanOrEqual(2);
    stack.proc.kill('SIGKILL');
    // Each child sees its IPC channel close and stops by itself.
    await waitUntil('every child gone', async () => (children.every((pid) => !alive(pid)) ? true : undefined), 15_000);
  }, 60_000);

  it("writes every line, its own and its processes', as one JSON object with each key once, and names the service a health line is about", async () => {
    const stack = await startStack({ TIDINGS_LOG_LEVEL: 'debug' }); // debug: the dispatcher's line for every request too
    const services = [...new Set(stack.logs().map((l) => l.name))].filter((n) => n !== 'broker');
    expect(services.sort()).toEqual(['auth', 'chat-query', 'chat-store', 'likes', 'presence', 'security-questions']);

    // Real actions of two people, through the client library, one of each service.
    const guest = await connectGuest({ url: stack.mqttUrl });
    connections.push(guest);
    const password = 'correct horse battery';
    for (const username of ['ann', 'bob']) await guest.request('auth.register', { username, password });
    await expect(guest.request('auth.login', { username: 'ann', password: 'wrong password!' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const login = await guest.request('auth.login', { username: 'ann', password, device: 'laptop' });
    const ann = await connectUser({ url: stack.mqttUrl }, { username: 'ann', token: login.token, device: 'laptop' });
    connections.push(ann);
    await ann.request('room.create', { name: 'book-club' });
    const sent = await ann.request('chat.send', { c: 'book-club', x: 'hello' });
    await ann.request('chat.send', { c: '@bob', x: 'just you' });
    ann.send('chat.typing', { c: 'book-club' });
    expect((await ann.request('like.add', { c: 'book-club', s: sent.s })).n).toBe(1);
    expect((await ann.request('chat.history', { c: 'book-club' })).messages).toHaveLength(1);
    await ann.request('security.set', { question: 'What was the name of your first pet?', answer: 'rex the dog', currentPassword: password });
    await ann.request('auth.whoami', {});

    process.kill(-stack.proc.pid!, 'SIGINT');
    expect(await stack.exited).toBe(0);

    // Every line the stack wrote, on stdout and stderr: JSON.parse would keep the last of two
    // equal keys without a word, so the keys are read one by one.
    expect(stack.lines.length).toBeGreaterThan(50);
    expect(logLineProblems(stack.lines)).toEqual([]);
    const entries = stack.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // `service` and `name` say who wrote the line; what it is about has keys of its own.
    for (const e of entries) expect(e.service, JSON.stringify(e)).toBe(e.name);
    expect(new Set(entries.map((e) => e.service))).toEqual(new Set(['stack', 'broker', ...services]));
    const actions = new Set(entries.filter((e) => e.msg === 'handled').map((e) => e.action));
    for (const action of ['auth.register', 'auth.login', 'room.create', 'chat.send', 'like.add', 'chat.history', 'security.set', 'auth.whoami']) {
      expect(actions, `no debug line for ${action}`).toContain(action);
    }

    // The broker says which service went up and down.
    const health = entries.filter((e) => e.msg === 'service health');
    for (const e of health) expect(e).toMatchObject({ service: 'broker', subject: expect.any(String), status: expect.stringMatching(/^(up|down)$/) });
    expect(new Set(health.filter((e) => e.status === 'up').map((e) => e.subject))).toEqual(new Set(services));
    expect(new Set(health.filter((e) => e.status === 'down').map((e) => e.subject))).toEqual(new Set(services));
  }, 60_000);

  it('refuses a bad setting of any of its processes before it starts anything: one line naming it, exit code 2', async () => {
    const run = (env: Record<string, string>) => {
      const proc = spawn(process.execPath, [STACK], {
        env: { PATH: process.env.PATH, TIDINGS_DATA_DIR: '/nonexistent/never-made', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
    };
    expect(await run({ TIDINGS_MQTT_PORT: 'abc', TIDINGS_LOG_FORMAT: 'pretty' })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'tidings: TIDINGS_MQTT_PORT must be a port number 0–65535 (got "abc")\n',
    });
    // chat-store's setting: the launcher checks it too, rather than start chat-store to fail again and again.
    const json = await run({ TIDINGS_SEND_RATE: 'fast', TIDINGS_LOG_FORMAT: 'json' });
    expect(json).toMatchObject({ code: 2, stdout: '' });
    expect(logLineProblems(json.stderr.trimEnd().split('\n'))).toEqual([]);
    expect(JSON.parse(json.stderr)).toMatchObject({
      level: 60,
      service: 'stack',
      msg: 'TIDINGS_SEND_RATE must be a number above 0, at most 10,000 (got "fast")',
    });
  }, 30_000);
});
