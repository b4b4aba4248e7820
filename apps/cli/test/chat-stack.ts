import { EventEmitter } from 'node:events';
import { createChatQuery } from '@tidings/chat-query';
import { createChatStore } from '@tidings/chat-store';
import { connectUser, type Connection } from '@tidings/client';
import { topics } from '@tidings/protocol';
import { createLikes } from '@tidings/likes';
import { createPresence } from '@tidings/presence';
import { connectServiceClient, createUserSession, startServices, startTestStack, type TestStack } from '@tidings/testkit';
import { CliHome } from '../src/session-store.js';
import { Capture, runCli, tempHome, type CliResult } from './helpers.js';
import { uniqueUser } from './stack.js';
import { expect } from 'vitest';

/**
 * A real broker on port 0 with a temporary database (testkit) and the real chat services
 * in-process — chat-store, chat-query, likes and presence — each connected with its own
 * service credentials, as their mains do.
 */
export interface ChatStack {
  stack: TestStack;
  url: string;
  /** A CLI "machine" signed in as `username` (the user is made if needed; no auth service). */
  machine(username: string, options?: { url?: string }): Promise<Machine>;
  /** A signed-in device of `username` through @tidings/client (not the CLI). */
  device(username: string, device: string): Promise<Connection>;
  close(): Promise<void>;
}

export interface Machine {
  username: string;
  home: CliHome;
  env: Record<string, string>;
  cli(argv: string[], stdin?: string): Promise<CliResult>;
  /** Runs the CLI with streams the test can read while it runs, and signals it can send. */
  start(argv: string[]): RunningCli;
}

export interface RunningCli {
  stdout: Capture;
  stderr: Capture;
  signals: EventEmitter;
  done: Promise<CliResult>;
}

export async function startChatStack(): Promise<ChatStack> {
  const stack = await startTestStack();
  const homes: Awaited<ReturnType<typeof tempHome>>[] = [];
  const devices: Connection[] = [];
  const running = await startServices(stack, {
    // Generous send limits: the tests send quickly from one user, and the limit has its own tests.
    'chat-store': (deps) => createChatStore({ ...deps, settings: { sendRatePerSecond: 1000, sendBurst: 1000 } }),
    'chat-query': (deps) => createChatQuery(deps),
    likes: (deps) => createLikes(deps),
    presence: (deps) => createPresence({ ...deps, settings: { settleMs: 100, flushDelayMs: 10, typingIntervalMs: 0 } }),
  }).catch(async (err: unknown) => {
    await stack.close();
    throw err;
  });

  return {
    stack,
    url: stack.url,
    async machine(username, options = {}) {
      const h = await tempHome();
      homes.push(h);
      const home = new CliHome(h.home);
      const device = await home.deviceId();
      const session = await createUserSession(stack, username, { device });
      await home.writeSession({
        url: options.url ?? stack.url,
        username,
        token: session.token,
        sessionId: session.sessionId,
        expiresAt: Date.now() + 24 * 3600_000,
        device,
      });
      const env = { ...h.env };
      return {
        username,
        home,
        env,
        cli: (argv, stdin) => runCli(argv, stdin === undefined ? { env } : { env, stdin }),
        start(argv) {
          const stdout = new Capture();
          const stderr = new Capture();
          const signals = new EventEmitter();
          const done = runCli(argv, { env, stdout, stderr, signals });
          return { stdout, stderr, signals, done };
        },
      };
    },
    async device(username, device) {
      const session = await createUserSession(stack, username, { device });
      const conn = await connectUser({ url: stack.url }, { username, token: session.token, device });
      devices.push(conn);
      return conn;
    },
    async close() {
      for (const conn of devices.splice(0)) await conn.close().catch(() => {});
      await running.stop().catch(() => {});
      await stack.close();
      for (const h of homes.splice(0)) await h.remove();
    },
  };
}

/** The JSON lines a watch printed, parsed. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Polls until `check` passes (throwing its last error after `ms`). */
export async function eventually(check: () => void | Promise<void>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * Waits until these services have said `up` on their retained health topics at `url` — after a
 * broker restart, once they have reconnected and subscribed again. Looks with the credentials of
 * a service this stack does not run.
 */
export async function servicesUp(stack: TestStack, url: string, names: readonly string[], ms = 15_000): Promise<void> {
  const probe = await connectServiceClient({ url, credentials: stack.credentials, logger: stack.logger }, 'security-questions');
  const up = new Set<string>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not up after ${ms} ms: ${names.filter((n) => !up.has(n)).join(', ')}`)), ms);
      probe.on('message', (topic, payload) => {
        const service = topic.split('/').pop()!;
        const health = JSON.parse(payload.toString('utf8')) as { status?: string };
        if (health.status === 'up') up.add(service);
        else up.delete(service);
        if (names.every((n) => up.has(n))) {
          clearTimeout(timer);
          resolve();
        }
      });
      probe.subscribe(topics.serviceHealthFilter, { qos: 1 });
    });
  } finally {
    await probe.endAsync(true);
  }
}

/** Lines of a history printed in text, without the time column (asserted separately). */
export const withoutTimes = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/^( *#\d+) {2}\d\d:\d\d {2}/, '$1  '));

/** Signed-in machines for fresh users of these names (one each). */
export async function people(chat: ChatStack, ...names: string[]): Promise<Machine[]> {
  return Promise.all(names.map((n) => chat.machine(uniqueUser(n))));
}

/** Runs a command that must succeed (exit 0, nothing on stderr) and returns its stdout. */
export async function ok(m: Machine, argv: string[], stdin?: string): Promise<string> {
  const result = await m.cli(argv, stdin);
  if (result.status !== 0) throw new Error(`${m.username}: tidings ${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  expect(result.stderr).toBe('');
  return result.stdout;
}
