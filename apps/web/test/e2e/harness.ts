import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createArgon2Hasher, createAuthService } from '@tidings/auth';
import { createChatQuery } from '@tidings/chat-query';
import { createChatStore } from '@tidings/chat-store';
import { connectUser, type Connection } from '@tidings/client';
import { createLikes } from '@tidings/likes';
import { createPresence } from '@tidings/presence';
import { createArgon2Hasher as createAnswerHasher, createSecurityQuestionsService } from '@tidings/security-questions';
import { disconnectService } from '@tidings/service-kit';
import { connectServiceClient, createUserSession, startTestStack, type TestStack } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';

/**
 * End-to-end harness: the built app (apps/web/dist) served by the real broker (testkit, port 0)
 * with the real services in-process — auth, chat-store, chat-query, presence, likes and
 * security-questions — and Debian's Chromium driven by playwright-core.
 */

export const CHROMIUM = process.env.TIDINGS_CHROMIUM ?? '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = path.resolve(here, '../../dist');
export const RESULTS = path.resolve(here, '../../test-results');

/** Why the browser tests cannot run here, or null. In CI a missing browser is a failure, not a skip. */
export function cannotRun(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (!existsSync(path.join(DIST, 'index.html'))) return 'apps/web/dist is not built (pnpm --filter @tidings/web build)';
  return null;
}

let notice = false;
/** describe() when the browser tests can run; otherwise a skipped block with the reason printed once (a failure in CI). */
export function describeBrowser(name: string, body: () => void): void {
  const reason = cannotRun();
  if (reason && process.env.CI) {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(`cannot run the browser tests: ${reason}`);
      });
      body();
    });
    return;
  }
  if (reason) {
    if (!notice) console.log(`skipping the browser tests: ${reason}`);
    notice = true;
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

/** Real argon2id with cheap parameters: the tests register and sign in many times. */
const fastArgon2 = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

interface Running {
  stop(): Promise<void>;
}

export interface WebStack {
  stack: TestStack;
  /** http://127.0.0.1:<port>/ — the app. */
  url: string;
  browser: Browser;
  /**
   * A fresh browser profile (its own storage) at the app, with errors and CSP violations recorded.
   * `open: false` leaves the page blank, e.g. to set up request routing before going to `url`.
   */
  context(options?: { width?: number; height?: number; open?: boolean }): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  /** A signed-in user's connection from Node (to seed messages), with the user created if needed. */
  nodeUser(username: string, device?: string): Promise<Connection>;
  close(): Promise<void>;
}

export async function startWebStack(options: { chatStore?: Record<string, number> } = {}): Promise<WebStack> {
  const stack = await startTestStack({ broker: { staticDir: DIST } });
  const clients: { client: MqttClient; service: string }[] = [];
  const services: Running[] = [];
  const connections: Connection[] = [];
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  const close = async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    for (const c of connections) await c.close().catch(() => {});
    for (const s of services.reverse()) await s.stop().catch(() => {});
    for (const c of clients) await disconnectService(c.client, c.service).catch(() => c.client.end(true));
    await stack.close();
  };

  try {
    const client = async (service: string) => {
      const c = await connectServiceClient(stack, service);
      clients.push({ client: c, service });
      return c;
    };
    const common = { db: stack.db, logger: stack.logger };
    const start = async (s: Running & { start(): Promise<void> }) => {
      await s.start();
      services.push(s);
    };
    await start(createAuthService({ client: await client('auth'), ...common, hasher: fastArgon2, sleep: async () => {} }));
    await start(createChatStore({ client: await client('chat-store'), ...common, ...(options.chatStore ? { settings: options.chatStore } : {}) }));
    await start(createChatQuery({ client: await client('chat-query'), ...common }));
    await start(createPresence({ client: await client('presence'), ...common }));
    await start(createLikes({ client: await client('likes'), ...common }));
    await start(
      createSecurityQuestionsService({
        client: await client('security-questions'),
        ...common,
        recoveryKey: randomBytes(32).toString('base64url'),
        hasher: createAnswerHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }),
        sleep: async () => {},
      }),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  const url = `http://127.0.0.1:${stack.broker.httpPort}/`;
  const running = browser;

  return {
    stack,
    url,
    browser: running,
    async context({ width = 1280, height = 800, open = true } = {}) {
      const context = await running.newContext({ viewport: { width, height } });
      contexts.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (m) => {
        // Chromium reports Content-Security-Policy violations on the console. Network noise is
        // expected here (offline tests, a broker closing a revoked session's socket while
        // mqtt.js still writes its goodbye); anything else is a problem.
        const benign = /ERR_INTERNET_DISCONNECTED|net::ERR_|WebSocket connection|WebSocket is already in CLOSING or CLOSED state/;
        if (m.type() === 'error' && !benign.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      if (open) await page.goto(url);
      return { context, page, problems };
    },
    async nodeUser(username, device = 'seed') {
      const session = await createUserSession(stack, username);
      const conn = await connectUser({ url: stack.url }, { username, token: session.token, device });
      connections.push(conn);
      return conn;
    },
    close,
  };
}

/** One web stack per test file. */
export function useWebStack(options: Parameters<typeof startWebStack>[0] = {}): () => WebStack {
  let web: WebStack | undefined;
  beforeAll(async () => {
    web = await startWebStack(options);
  });
  afterAll(async () => {
    await web?.close();
  });
  return () => {
    if (!web) throw new Error('the web stack did not start');
    return web;
  };
}

/** Saves a screenshot under apps/web/test-results/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

let counter = 0;
/** A username no other test of this run uses. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

export const PASSWORD = 'correct horse battery';

/** Registers through the UI; the page ends signed in. */
export async function registerInUi(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByRole('button', { name: 'Create account' }).first().click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').fill(password);
  await page.getByRole('button', { name: 'Create account' }).last().click();
  await page.locator('.me', { hasText: username }).waitFor();
}

export async function signInInUi(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).last().click();
  await page.locator('.me', { hasText: username }).waitFor();
}

/** Waits until the app says it is connected. */
export async function online(page: Page): Promise<void> {
  await page.locator('.me .dot.on').waitFor();
}

/** Opens the Rooms screen: on a phone a conversation fills the screen (a new account is in #general), so back to the list first. */
async function openRooms(page: Page): Promise<void> {
  const rooms = page.getByRole('link', { name: 'Rooms' });
  if (!(await rooms.isVisible())) await page.getByRole('link', { name: 'Back to conversations' }).click();
  await rooms.click();
}

/** Joins a room through the Rooms screen and waits until it is open. */
export async function joinRoom(page: Page, room: string): Promise<void> {
  await openRooms(page);
  await page.getByRole('button', { name: `Join #${room}` }).click();
  await page.locator('#conv-title', { hasText: `#${room}` }).waitFor();
}

export async function createRoom(page: Page, room: string): Promise<void> {
  await openRooms(page);
  await page.getByLabel('New room').fill(room);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.locator('#conv-title', { hasText: `#${room}` }).waitFor();
}

export async function send(page: Page, text: string): Promise<void> {
  await page.locator('#composer').fill(text);
  await page.locator('#composer').press('Enter');
}

/** The texts of the messages in the open conversation, in order (sent ones only). */
export function sentTexts(page: Page): Promise<string[]> {
  return page.locator('.msg[data-state="sent"] .text').allTextContents();
}

export function noProblems(problems: string[]): void {
  expect(problems, problems.join('\n')).toEqual([]);
}
