import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describeBackends } from '@tidings/testkit';
import { connect } from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from './broker-process.js';
import { INFRA, hasProgram } from './lib.js';

/**
 * infra/haproxy/haproxy.cfg run for real in front of a broker process: only the addresses change
 * (Compose's two `broker`s and fixed ports become this machine's one broker and free ports; each
 * replacement is counted, so a changed file fails here rather than being tested half). The broker
 * takes only connections that start with a PROXY header (TIDINGS_PROXY_PROTOCOL=on, as in
 * Compose), so every connection below also proves HAProxy sends one. MQTT, MQTT/TLS and
 * WSS reach the broker through it, port 80 redirects when BROKER_TLS is set and serves HTTP when
 * not, the health checks see the broker's /healthz and notice when it stops, and the 31st
 * connection attempt of a minute from one address is refused.
 */

const available = hasProgram('haproxy') && hasProgram('openssl');
if (!available) console.log('haproxy or openssl is not installed: skipping the live run of infra/haproxy/haproxy.cfg');

let broker: BrokerProcess | undefined;
let haproxy: ChildProcess | undefined;

afterEach(async () => {
  haproxy?.kill('SIGKILL');
  haproxy = undefined;
  await broker?.stop();
  broker = undefined;
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `text` with `from` replaced by `to`, which must occur exactly `times` times. */
function replaceCounted(text: string, from: string, to: string, times = 1): string {
  expect(text.split(from).length - 1, `haproxy.cfg has "${from}" ${times} time(s)`).toBe(times);
  return text.replaceAll(from, to);
}

interface Ports {
  mqtt: number;
  mqtts: number;
  http: number;
  https: number;
}

/** Starts haproxy on haproxy.cfg with this machine's addresses; resolves when every frontend listens. */
async function startHaproxy(b: BrokerProcess, brokerMqttsPort: number, env: Record<string, string>): Promise<{ ports: Ports; socket: string }> {
  const ports: Ports = { mqtt: await freePort(), mqtts: await freePort(), http: await freePort(), https: await freePort() };
  const socket = path.join(b.tmp, 'haproxy.sock');
  let cfg = readFileSync(path.join(INFRA, 'haproxy', 'haproxy.cfg'), 'utf8');
  cfg = replaceCounted(cfg, '\nglobal\n', `\nglobal\n  stats socket ${socket} level admin\n`);
  cfg = replaceCounted(cfg, 'bind :1883', `bind 127.0.0.1:${ports.mqtt}`);
  cfg = replaceCounted(cfg, 'bind :8883', `bind 127.0.0.1:${ports.mqtts}`);
  cfg = replaceCounted(cfg, 'bind :80\n', `bind 127.0.0.1:${ports.http}\n`);
  cfg = replaceCounted(cfg, 'bind :443', `bind 127.0.0.1:${ports.https}`);
  cfg = replaceCounted(cfg, 'server-template broker 2 broker:1883', `server broker 127.0.0.1:${b.mqttPort}`);
  cfg = replaceCounted(cfg, 'server-template broker 2 broker:8883', `server broker 127.0.0.1:${brokerMqttsPort}`);
  cfg = replaceCounted(cfg, 'server-template broker 2 broker:8080', `server broker 127.0.0.1:${b.httpPort}`, 2);
  // The broker's operations port, and checks every 500 ms rather than 5 s (the test's patience).
  cfg = replaceCounted(cfg, 'check port 9470 inter 5s', `check port ${b.opsPort} inter 500ms`);
  const file = path.join(b.tmp, 'haproxy.cfg');
  writeFileSync(file, cfg);
  let output = '';
  haproxy = spawn('haproxy', ['-db', '-f', file], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  haproxy.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  haproxy.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  // The stats socket answers once every listener is bound (no probe of the ports: each would count for the cap).
  await expect
    .poll(
      () =>
        serverStates(socket).then(
          () => true,
          () => false,
        ),
      { timeout: 10_000, message: output },
    )
    .toBe(true);
  return { ports, socket };
}

/** haproxy's `show stat`: the state and last check of each backend's server. */
async function serverStates(socket: string): Promise<Record<string, { status: string; check: string }>> {
  const csv = await new Promise<string>((resolve, reject) => {
    let text = '';
    const s = net.connect(socket, () => s.end('show stat\n'));
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
  const [header, ...rows] = csv.trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const out: Record<string, { status: string; check: string }> = {};
  for (const row of rows) {
    const cells = row.split(',');
    const at = (name: string) => cells[columns.indexOf(name)] ?? '';
    if (at('svname') === 'broker') out[at('pxname')] = { status: at('status'), check: at('check_status') };
  }
  return out;
}

/** One MQTT connection attempt as a guest: accepted, refused by the broker (CONNACK), or closed before any answer. */
function attempt(url: string): Promise<'connected' | 'refused' | 'closed'> {
  return new Promise((resolve) => {
    const client = connect(url, {
      clientId: `g:${randomBytes(8).toString('hex')}`,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      rejectUnauthorized: false,
    });
    const done = (outcome: 'connected' | 'refused' | 'closed') => {
      client.end(true);
      resolve(outcome);
    };
    client.once('connect', () => done('connected'));
    client.once('error', (err: Error & { code?: unknown }) => done(typeof err.code === 'number' ? 'refused' : 'closed'));
    client.once('close', () => done('closed'));
  });
}

describeBackends('haproxy.cfg in front of a broker', (backend) => {
  it.skipIf(!available)(
    'with TLS at the broker: MQTT, MQTT/TLS and WSS pass through, 80 redirects, health follows the broker, the 31st attempt is refused',
    { timeout: 90_000 },
    async () => {
      // A self-signed certificate for the broker (docs/tls.md's command).
      const tlsDir = path.join(process.env.TMPDIR ?? '/tmp', `tidings-haproxy-${randomBytes(4).toString('hex')}`);
      const made = spawnSync(
        'sh',
        [
          '-c',
          `mkdir -p ${tlsDir} && openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ${tlsDir}/key.pem -out ${tlsDir}/cert.pem`,
        ],
        { encoding: 'utf8' },
      );
      expect(made.status, made.stderr).toBe(0);
      const mqttsPort = await freePort();
      broker = await startBrokerProcess(backend, {
        TIDINGS_PROXY_PROTOCOL: 'on',
        TIDINGS_TLS_CERT: `${tlsDir}/cert.pem`,
        TIDINGS_TLS_KEY: `${tlsDir}/key.pem`,
        TIDINGS_MQTTS_PORT: String(mqttsPort),
      });
      const { ports, socket } = await startHaproxy(broker, mqttsPort, { BROKER_TLS: '1' });
      spawnSync('rm', ['-rf', tlsDir]);

      await expect
        .poll(() => serverStates(socket), { timeout: 15_000 })
        .toEqual({
          broker_mqtt: { status: 'UP', check: 'L7OK' },
          broker_mqtts: { status: 'UP', check: 'L7OK' },
          broker_http: { status: 'UP', check: 'L7OK' },
          broker_https: { status: 'UP', check: 'L7OK' },
        });

      expect(await attempt(`mqtt://127.0.0.1:${ports.mqtt}`)).toBe('connected');
      expect(await attempt(`mqtts://127.0.0.1:${ports.mqtts}`)).toBe('connected');
      expect(await attempt(`wss://127.0.0.1:${ports.https}/mqtt`)).toBe('connected');
      const redirect = await fetch(`http://127.0.0.1:${ports.http}/`, { redirect: 'manual' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.get('location')).toMatch(/^https:\/\//);
      // Connection attempts from this address so far: these four.
      let used = 4;

      // 30 attempts a minute per address, over every port: the rest are closed unanswered.
      const outcomes: string[] = [];
      for (let i = 0; i < 32; i++) outcomes.push(await attempt(`mqtt://127.0.0.1:${ports.mqtt}`));
      const accepted = outcomes.filter((o) => o === 'connected').length;
      used += accepted;
      expect(used).toBe(30);
      expect(outcomes.slice(accepted).every((o) => o === 'closed')).toBe(true);

      // The broker stops: every backend goes DOWN (its /healthz no longer answers).
      await broker.proc.stop('SIGTERM');
      await expect
        .poll(async () => Object.values(await serverStates(socket)).map((s) => s.status), { timeout: 15_000 })
        .toEqual(['DOWN', 'DOWN', 'DOWN', 'DOWN']);
    },
  );

  it.skipIf(!available)('without TLS: port 80 serves the broker over HTTP, /healthz and MQTT over WebSocket', { timeout: 60_000 }, async () => {
    broker = await startBrokerProcess(backend, { TIDINGS_PROXY_PROTOCOL: 'on' });
    const { ports, socket } = await startHaproxy(broker, await freePort(), {});
    await expect.poll(async () => (await serverStates(socket)).broker_http, { timeout: 15_000 }).toEqual({ status: 'UP', check: 'L7OK' });
    const health = await fetch(`http://127.0.0.1:${ports.http}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect(await attempt(`ws://127.0.0.1:${ports.http}/mqtt`)).toBe('connected');
    expect(await attempt(`mqtt://127.0.0.1:${ports.mqtt}`)).toBe('connected');
  });
});
