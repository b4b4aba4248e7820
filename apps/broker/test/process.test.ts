import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { defaultDatabaseUrl, migrate, openDatabase, type Database } from '@tidings/db';
import { serviceClientId, topics } from '@tidings/protocol';
import { loadOrCreateServiceCredentials } from '@tidings/service-kit';
import type { IClientOptions } from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { asGuest, asUser, createSession, grantOf, open, randomGuestId, refusalOf } from './helpers.js';

// The broker as operators run it: `node dist/main.js`, configured by the environment alone. The
// other broker tests start it in-process; these show that each setting of main.ts reaches the
// running broker — TLS, TIDINGS_TRUST_PROXY, TIDINGS_MAX_CONNECTS_PER_MINUTE and (with
// TEST_REDIS_URL) TIDINGS_REDIS_URL/PREFIX.

const MAIN = path.resolve(import.meta.dirname, '../dist/main.js');
const SERVER_UNAVAILABLE = 3; // the CONNACK code of a throttled connection attempt
const BAD_USERNAME_OR_PASSWORD = 4;

type LogLine = Record<string, unknown> & { msg?: string };

interface BrokerMain {
  dir: string;
  db: Database;
  mqttPort: number;
  httpPort: number;
  mqttsPort: number | undefined;
  /** The JSON lines it logged so far. */
  log(): LogLine[];
  /** Resolves with the first log line that matches, as soon as it is written; fails after `ms`. */
  logged(match: (line: LogLine) => boolean, ms?: number): Promise<LogLine>;
}

/**
 * Starts `node dist/main.js` with a migrated SQLite database in a temp dir, the given settings
 * and nothing else from the test's environment; ports 0, read back from its "broker listening"
 * line. Stopped (SIGTERM) when the test finishes.
 */
async function startMain(env: Record<string, string>): Promise<BrokerMain> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-broker-main-'));
  const url = defaultDatabaseUrl(dir);
  await migrate(url);
  const db = await openDatabase(url);
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      TIDINGS_DATA_DIR: dir,
      TIDINGS_HOST: '127.0.0.1',
      TIDINGS_MQTT_PORT: '0',
      TIDINGS_HTTP_PORT: '0',
      TIDINGS_MQTTS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let output = '';
  const lines: LogLine[] = [];
  const listeners = new Set<() => void>();
  let ended = false;
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    let nl;
    while ((nl = output.indexOf('\n')) >= 0) {
      const line = output.slice(0, nl);
      output = output.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: line });
      }
    }
    for (const l of [...listeners]) l();
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  void exited.then(() => {
    ended = true;
    for (const l of [...listeners]) l();
  });

  const logged = (match: (line: LogLine) => boolean, ms = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const done = (line?: LogLine, err?: Error) => {
        listeners.delete(check);
        clearTimeout(timer);
        if (line) resolve(line);
        else reject(err!);
      };
      const check = () => {
        const line = lines.find(match);
        if (line) done(line);
        else if (ended) done(undefined, new Error(`the broker exited (stderr: ${stderr.trim()}) before logging what the test waits for`));
      };
      const timer = setTimeout(() => done(undefined, new Error(`not logged within ${ms} ms; the log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)), ms);
      listeners.add(check);
      check();
    });

  const listening = await logged((l) => l.msg === 'broker listening');
  return {
    dir,
    db,
    mqttPort: listening.mqttPort as number,
    httpPort: listening.httpPort as number,
    mqttsPort: listening.mqttsPort as number | undefined,
    log: () => [...lines],
    logged,
  };
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI. */
function selfSigned(): { certFile: string; keyFile: string; cert: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-broker-tls-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '1'].concat([
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile) };
}

function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** A WebSocket MQTT connection that says (like a proxy would) it was forwarded for `forwardedFor`. */
const forwardedFor = (forwardedFor: string): IClientOptions => ({ wsOptions: { headers: { 'X-Forwarded-For': forwardedFor } } });

const connectedAs = (clientId: string) => (l: LogLine) => l.msg === 'client connected' && l.clientId === clientId;
const throttledFrom = (address: string) => (l: LogLine) =>
  l.msg === 'refused a connection' && l.reason === 'too many connection attempts from this address' && l.address === address;

describe('the broker process (node dist/main.js)', () => {
  it('with TIDINGS_TLS_CERT/KEY: MQTT over TLS and WSS with that certificate, guests and signed-in users authenticated as over plain MQTT', async () => {
    const { certFile, keyFile, cert } = selfSigned();
    const b = await startMain({ TIDINGS_TLS_CERT: certFile, TIDINGS_TLS_KEY: keyFile });
    expect(b.mqttsPort).toBeGreaterThan(0);
    const mqtts = `mqtts://127.0.0.1:${b.mqttsPort}`;
    const wss = `wss://127.0.0.1:${b.httpPort}/mqtt`;

    // A guest over TLS gets a guest's rights: its own reply topic, nothing else.
    const guestId = randomGuestId();
    const guest = await asGuest(mqtts, guestId, { ca: cert });
    expect(await grantOf(guest, topics.reply(guestId))).toBe(1);
    expect(await grantOf(guest, '#')).toBe(128);
    expect(await b.logged(connectedAs(guestId))).toMatchObject({ kind: 'guest', transport: 'tls' });

    // A signed-in user (a session in the broker's database) over TLS, and a wrong token refused.
    const alice = await createSession(b.db, 'alice');
    const user = await asUser(mqtts, alice, 'laptop', { ca: cert });
    expect(await grantOf(user, topics.reply('alice:laptop'))).toBe(1);
    expect(await grantOf(user, topics.reply('alice:phone'))).toBe(128);
    expect(await b.logged(connectedAs('alice:laptop'))).toMatchObject({ kind: 'user', username: 'alice', transport: 'tls' });
    const bobsToken = (await createSession(b.db, 'bob')).token;
    expect(await refusalOf(mqtts, { clientId: 'alice:phone', username: 'alice', password: bobsToken, clean: true, ca: cert })).toBe(BAD_USERNAME_OR_PASSWORD);

    // WebSocket over TLS on the HTTP port, which serves HTTPS.
    const wssGuestId = randomGuestId();
    const overWss = await asGuest(wss, wssGuestId, { ca: cert });
    expect(await grantOf(overWss, topics.reply(wssGuestId))).toBe(1);
    const wssUser = await asUser(wss, alice, 'phone', { ca: cert });
    expect(await grantOf(wssUser, topics.reply('alice:phone'))).toBe(1);
    expect(await b.logged(connectedAs('alice:phone'))).toMatchObject({ kind: 'user', transport: 'wss' });
    expect(await httpsStatus(`https://127.0.0.1:${b.httpPort}/healthz`, cert)).toBe(200);

    // It really is that certificate: a client that does not trust it is refused.
    await expect(open(mqtts, { clientId: randomGuestId(), clean: true })).rejects.toThrow();
    await expect(open(wss, { clientId: randomGuestId(), clean: true })).rejects.toThrow();
  });

  it('with TIDINGS_TRUST_PROXY: a WebSocket client is counted by its X-Forwarded-For address, each forwarded address capped on its own', async () => {
    const b = await startMain({ TIDINGS_TRUST_PROXY: '1', TIDINGS_MAX_CONNECTS_PER_MINUTE: '2' });
    const ws = `ws://127.0.0.1:${b.httpPort}/mqtt`;
    const first = randomGuestId();
    await asGuest(ws, first, forwardedFor('203.0.113.7'));
    expect(await b.logged(connectedAs(first))).toMatchObject({ address: '203.0.113.7', transport: 'ws' });
    await asGuest(ws, randomGuestId(), forwardedFor('203.0.113.7'));
    expect(await refusalOf(ws, { clientId: randomGuestId(), clean: true, ...forwardedFor('203.0.113.7') })).toBe(SERVER_UNAVAILABLE);
    await b.logged(throttledFrom('203.0.113.7'));

    // Another forwarded address has its own count; the proxy's own (loopback) address is never capped.
    await asGuest(ws, randomGuestId(), forwardedFor('203.0.113.8'));
    // Behind a chain of proxies, the address the last one (ours) saw is the client's.
    const chained = randomGuestId();
    await asGuest(ws, chained, forwardedFor('198.51.100.1, 203.0.113.9'));
    expect(await b.logged(connectedAs(chained))).toMatchObject({ address: '203.0.113.9' });
    for (let i = 0; i < 3; i++) await asGuest(ws, randomGuestId());
  });

  it('without TIDINGS_TRUST_PROXY: X-Forwarded-For is ignored and the connection counted by its socket address', async () => {
    const b = await startMain({ TIDINGS_MAX_CONNECTS_PER_MINUTE: '2' });
    const ws = `ws://127.0.0.1:${b.httpPort}/mqtt`;
    const ids = [randomGuestId(), randomGuestId(), randomGuestId()];
    // Three attempts "from" one forwarded address, over the cap of 2: all accepted, as loopback.
    for (const id of ids) await asGuest(ws, id, forwardedFor('203.0.113.7'));
    for (const id of ids) expect(await b.logged(connectedAs(id))).toMatchObject({ address: '127.0.0.1', transport: 'ws' });
    expect(b.log().some((l) => l.address === '203.0.113.7')).toBe(false);
  });

  it('with TIDINGS_MAX_CONNECTS_PER_MINUTE=N: the N+1-th attempt in a minute from one (non-loopback) address is refused', async (ctx) => {
    // Loopback is exempt, so the client needs another address of this machine: the broker listens
    // on it (TIDINGS_HOST) and a client connecting to it comes from it.
    const address = nonLoopbackAddress();
    if (!address) {
      const reason = 'this machine has no non-loopback interface address (os.networkInterfaces()) to connect from';
      console.warn(`skipped: ${reason}`);
      ctx.skip(reason);
      return;
    }
    const b = await startMain({ TIDINGS_HOST: address, TIDINGS_MAX_CONNECTS_PER_MINUTE: '3' });
    const url = `mqtt://${address.includes(':') ? `[${address}]` : address}:${b.mqttPort}`;
    const first = randomGuestId();
    await asGuest(url, first);
    expect(await b.logged(connectedAs(first))).toMatchObject({ address: expect.stringContaining(address), transport: 'tcp' });
    await asGuest(url, randomGuestId());
    await asGuest(url, randomGuestId());
    expect(await refusalOf(url, { clientId: randomGuestId(), clean: true })).toBe(SERVER_UNAVAILABLE); // the 4th; the default cap is 30
    await b.logged(throttledFrom(address));
    // A signed-in user from that address is refused too: the cap counts attempts, before authentication.
    expect(await refusalOf(url, { clientId: 'alice:laptop', username: 'alice', password: (await createSession(b.db, 'alice')).token, clean: true })).toBe(
      SERVER_UNAVAILABLE,
    );
  });
});

/** An IPv4 (else IPv6, not link-local) address of this machine that is not loopback. */
function nonLoopbackAddress(): string | undefined {
  const all = Object.values(os.networkInterfaces()).flatMap((list) => list ?? []);
  const external = all.filter((a) => !a.internal);
  return external.find((a) => a.family === 'IPv4')?.address ?? external.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80:'))?.address;
}

describe('the broker processes of a cluster', () => {
  it('with TIDINGS_REDIS_URL and TIDINGS_REDIS_PREFIX: a reply published on one broker process reaches a guest on another', async (ctx) => {
    const redisUrl = process.env.TEST_REDIS_URL;
    if (!redisUrl) return ctx.skip('TEST_REDIS_URL is unset (e.g. redis://127.0.0.1:6379)');
    const prefix = `test-main-${randomBytes(6).toString('hex')}`;
    const Redis = createRequire(createRequire(import.meta.url).resolve('aedes-persistence-redis'))('ioredis') as new (url: string) => {
      keys(pattern: string): Promise<string[]>;
      del(...keys: string[]): Promise<number>;
      quit(): Promise<unknown>;
    };
    const redis = new Redis(redisUrl);
    onTestFinished(async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    const env = { TIDINGS_REDIS_URL: redisUrl, TIDINGS_REDIS_PREFIX: prefix };
    const one = await startMain(env);
    const two = await startMain(env);
    const credentials = loadOrCreateServiceCredentials(one.dir);
    const service = await open(`mqtt://127.0.0.1:${one.mqttPort}`, {
      clientId: serviceClientId('chat-query', 'main'),
      username: 'svc:chat-query',
      password: credentials['chat-query']!,
      clean: true,
    });
    const clientId = randomGuestId();
    const guest = await asGuest(`mqtt://127.0.0.1:${two.mqttPort}`, clientId);
    const got = new Promise<string>((resolve) => guest.once('message', (_topic, payload) => resolve(payload.toString())));
    expect(await grantOf(guest, topics.reply(clientId))).toBe(1);
    await service.publishAsync(topics.reply(clientId), 'across processes', { qos: 1 });
    expect(await got).toBe('across processes');
  });
});

describe('the broker process’s metrics', () => {
  it('with TIDINGS_OPS_PORT: /metrics on its own port counts connections; the public HTTP port has no /metrics', async () => {
    const broker = await startMain({ TIDINGS_OPS_PORT: '0' });
    const ops = await broker.logged((l) => l.msg === 'ops endpoint listening (/healthz, /metrics)');
    const metrics = async () => (await fetch(`http://127.0.0.1:${ops.port as number}/metrics`)).text();
    expect(await metrics()).toMatch(/^tidings_broker_connections\{service="broker"\} 0$/m);
    const guest = await asGuest(`mqtt://127.0.0.1:${broker.mqttPort}`);
    try {
      await expect.poll(metrics).toMatch(/^tidings_broker_connections\{service="broker"\} 1$/m);
      expect(await metrics()).toMatch(/^process_resident_memory_bytes\{service="broker"\} \d+/m);
    } finally {
      await guest.endAsync(true);
    }
    expect((await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${ops.port as number}/healthz`)).status).toBe(200);
  });
});
