import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { profiles, scaleProfile } from '../src/index.js';
import { testLink, waitFor } from './helpers.js';

async function startBroker(): Promise<number> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as net.AddressInfo).port;
}

describe('MQTT through a link', () => {
  it('delivers a publish in at least one round trip, and the client reconnects after a cut', async () => {
    const brokerPort = await startBroker();
    const profile = scaleProfile(profiles.calm, 0.05); // 50 ms each way, 1.28 Mbit/s
    const link = await testLink({ target: { port: brokerPort }, profile, seed: 1 });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${link.port}`, {
      clientId: 'linksim-test',
      reconnectPeriod: 100,
      connectTimeout: 10_000,
    });
    client.on('error', () => {}); // the cut resets the connection: ECONNRESET
    onTestFinished(() => client.endAsync(true));
    const received: string[] = [];
    client.on('message', (_topic, payload) => received.push(payload.toString()));
    await client.subscribeAsync('linksim/test', { qos: 1 });

    const t0 = performance.now();
    await client.publishAsync('linksim/test', 'one', { qos: 1 });
    await waitFor(() => received.includes('one'), 'the first message');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * profile.delayMs);

    let reconnected = false;
    client.once('connect', () => (reconnected = true));
    link.cut();
    await waitFor(() => reconnected, 'the reconnect');
    await client.publishAsync('linksim/test', 'two', { qos: 1 });
    await waitFor(() => received.includes('two'), 'the message after the cut');
    expect(link.stats).toMatchObject({ accepted: 2, cuts: 1, connectionsCut: 1 });
    expect(link.stats.up).toBeGreaterThan(50);
    expect(link.stats.down).toBeGreaterThan(20);
  });
});

describe('HTTP and WebSocket through a link', () => {
  it('carries a page load and a WebSocket on the same link, counting both', async () => {
    const body = Buffer.alloc(20_000, 'x');
    const server = http.createServer((_req, res) => res.end(body));
    const wss = new WebSocketServer({ server, path: '/mqtt' });
    wss.on('connection', (ws) => ws.on('message', (m, isBinary) => ws.send(m, { binary: isBinary })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const bps = 800_000;
    const link = await testLink({
      target: { port: (server.address() as net.AddressInfo).port },
      profile: { name: 'web', delayMs: 50, bandwidthBps: bps },
    });

    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${link.port}/`);
    expect((await res.arrayBuffer()).byteLength).toBe(body.length);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(4 * 50 + (body.length * 8 * 1000) / bps);

    const ws = new WebSocket(`ws://127.0.0.1:${link.port}/mqtt`);
    onTestFinished(() => ws.terminate());
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const t1 = performance.now();
    const echoed = new Promise<string>((resolve) => ws.once('message', (m: Buffer) => resolve(m.toString('utf8'))));
    ws.send('hello over the link');
    expect(await echoed).toBe('hello over the link');
    expect(performance.now() - t1).toBeGreaterThanOrEqual(100);
    expect(link.stats.accepted).toBeGreaterThanOrEqual(2);
    expect(link.stats.down).toBeGreaterThan(body.length);
  });
});
