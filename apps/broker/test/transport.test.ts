import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { topics } from '@tidings/protocol';
import { connectService, disconnectService, markServiceReady } from '@tidings/service-kit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY, startBroker } from '../src/index.js';
import { asGuest, captureLogger, grantOf, harness, inbox, open, randomGuestId } from './helpers.js';

function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    lib
      .get(url, options, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

/** A raw request, so that paths like /%2e%2e/ reach the server as written. */
function rawGet(port: number, rawPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${rawPath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('end', () => resolve(Number(data.split(' ')[1])));
    socket.on('error', reject);
  });
}

function selfSigned() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-tls-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

describe('WebSocket', () => {
  it('accepts MQTT over WebSocket at /mqtt, with the same authentication', async () => {
    const h = await harness();
    expect(h.broker.wsUrl).toBe(`ws://127.0.0.1:${h.broker.httpPort}/mqtt`);
    const guestId = randomGuestId();
    const guest = await asGuest(h.broker.wsUrl, guestId);
    expect(await grantOf(guest, topics.reply(guestId))).toBe(1);
    expect(await grantOf(guest, '#')).toBe(128);
    expect(h.broker.connectedClients()).toBe(1);
  });

  it('refuses a WebSocket upgrade on any other path', async () => {
    const h = await harness();
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${h.broker.httpPort}/other`, 'mqtt');
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('upgraded')));
      ws.on('error', () => {});
    });
    expect(status).toBe(404);
  });
});

describe('/healthz', () => {
  it('answers with the uptime, the connection count and the services that reported their health', async () => {
    const h = await harness();
    const first = await get(`http://127.0.0.1:${h.broker.httpPort}/healthz`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(first.body)).toMatchObject({ status: 'ok', connections: 0, services: {} });
    expect((JSON.parse(first.body) as { uptimeSeconds: number }).uptimeSeconds).toBeGreaterThanOrEqual(0);

    const { logger } = captureLogger();
    const likes = await connectService({ url: h.broker.url, service: 'likes', secret: h.credentials.likes!, logger });
    await expect
      .poll(async () => JSON.parse((await get(`http://127.0.0.1:${h.broker.httpPort}/healthz`)).body) as unknown)
      .toMatchObject({
        connections: 1,
        services: {},
      });
    markServiceReady(likes); // a service is up once it serves, not merely connected
    await expect
      .poll(async () => JSON.parse((await get(`http://127.0.0.1:${h.broker.httpPort}/healthz`)).body) as unknown)
      .toMatchObject({
        connections: 1,
        services: { likes: 'up' },
      });
    await disconnectService(likes, 'likes');
    await expect
      .poll(async () => JSON.parse((await get(`http://127.0.0.1:${h.broker.httpPort}/healthz`)).body) as unknown)
      .toMatchObject({
        connections: 0,
        services: { likes: 'down' },
      });
  });

  it('answers 404 for other paths when no web app is served', async () => {
    const h = await harness();
    expect((await get(`http://127.0.0.1:${h.broker.httpPort}/index.html`)).status).toBe(404);
  });
});

describe('static files', () => {
  function site() {
    const base = mkdtempSync(path.join(os.tmpdir(), 'tidings-static-'));
    onTestFinished(() => rmSync(base, { recursive: true, force: true }));
    const root = path.join(base, 'site');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Tidings</title>');
    writeFileSync(path.join(root, 'assets', 'app-1234.js'), 'console.log(1)');
    writeFileSync(path.join(root, '.env'), 'SECRET=1');
    writeFileSync(path.join(base, 'secret.txt'), 'outside');
    symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'link.txt'));
    return root;
  }

  it('serves the web app with content types and a strict Content-Security-Policy', async () => {
    const h = await harness({ staticDir: site() });
    const index = await get(`http://127.0.0.1:${h.broker.httpPort}/`);
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Tidings</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    const js = await get(`http://127.0.0.1:${h.broker.httpPort}/assets/app-1234.js`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
  });

  it('serves nothing outside its directory, no hidden files and no symlinks leading out', async () => {
    const h = await harness({ staticDir: site() });
    const port = h.broker.httpPort;
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/.env',
      '/link.txt',
      '/%00',
      '/..\\secret.txt',
      '/nosuch.html',
    ]) {
      expect(await rawGet(port, p), p).toBe(404);
    }
  });

  it('lets an httpHandler answer before the static files', async () => {
    const h = await harness({
      httpHandler: (req, res) => {
        if (req.url !== '/hook') return false;
        res.end('hooked');
        return true;
      },
    });
    expect((await get(`http://127.0.0.1:${h.broker.httpPort}/hook`)).body).toBe('hooked');
  });
});

describe('TLS', () => {
  it('accepts MQTT over TLS and WSS with the certificate, and serves /healthz over HTTPS', async () => {
    const { cert, key } = selfSigned();
    const h = await harness({ tls: { cert, key, mqttsPort: 0 } });
    expect(h.broker.mqttsPort).toBeGreaterThan(0);
    expect(h.broker.wsUrl).toMatch(/^wss:\/\//);
    const overTls = await asGuest(`mqtts://127.0.0.1:${h.broker.mqttsPort}`, randomGuestId(), { ca: cert });
    const overWss = await asGuest(h.broker.wsUrl, randomGuestId(), { ca: cert });
    expect(overTls.connected && overWss.connected).toBe(true);
    const health = await get(`https://127.0.0.1:${h.broker.httpPort}/healthz`, { ca: cert });
    expect(health.status).toBe(200);
    expect((JSON.parse(health.body) as { connections: number }).connections).toBe(2);
  });

  it('refuses a TLS client that does not trust the certificate', async () => {
    const { cert, key } = selfSigned();
    const h = await harness({ tls: { cert, key, mqttsPort: 0 } });
    await expect(open(`mqtts://127.0.0.1:${h.broker.mqttsPort}`, { clientId: randomGuestId() })).rejects.toThrow();
  });
});

describe('ports', () => {
  async function occupied(): Promise<{ port: number }> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as AddressInfo).port };
  }
  async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  const base = { logger: captureLogger().logger, serviceCredentials: {}, auth: false, host: '127.0.0.1' };

  it('names TIDINGS_MQTT_PORT when the MQTT port is taken', async () => {
    const { port } = await occupied();
    await expect(startBroker({ ...base, mqttPort: port, httpPort: 0 })).rejects.toThrow(`port ${port} is already in use: set TIDINGS_MQTT_PORT to a free port`);
  });

  it('names TIDINGS_HTTP_PORT when the HTTP port is taken, and releases the MQTT port it had opened', async () => {
    const { port } = await occupied();
    const mqttPort = await freePort();
    await expect(startBroker({ ...base, mqttPort, httpPort: port })).rejects.toThrow(`port ${port} is already in use: set TIDINGS_HTTP_PORT to a free port`);
    const again = await startBroker({ ...base, mqttPort, httpPort: 0 });
    await again.close();
  });

  it('names TIDINGS_MQTTS_PORT when the MQTT-over-TLS port is taken', async () => {
    const { port } = await occupied();
    const { cert, key } = selfSigned();
    await expect(startBroker({ ...base, mqttPort: 0, httpPort: 0, tls: { cert, key, mqttsPort: port } })).rejects.toThrow(
      `port ${port} is already in use: set TIDINGS_MQTTS_PORT to a free port`,
    );
  });

  it('rejects a TLS key that does not parse, before opening any port', async () => {
    await expect(startBroker({ ...base, mqttPort: 0, httpPort: 0, tls: { cert: 'not a cert', key: 'not a key', mqttsPort: 0 } })).rejects.toThrow();
  });
});

describe('open broker (auth off)', () => {
  it('lets anyone connect, subscribe and publish, for raw benchmarks', async () => {
    const h = await harness({ auth: false });
    const a = await open(h.broker.url, { clientId: 'anything' });
    const b = await open(h.broker.url, { clientId: 'bench-2' });
    expect(await grantOf(a, 'bench/#')).toBe(1);
    const got = inbox(a).next('bench/x');
    await b.publishAsync('bench/x', 'hello', { qos: 1 });
    expect((await got).payload).toBe('hello');
  });
});
