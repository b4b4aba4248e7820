import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command, IPv4Address, IPv4ProxyAddress, IPv6Address, IPv6ProxyAddress, TransportProtocol, V2ProxyProtocol } from 'proxy-protocol-js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ProxyHeaderError, parseHeader } from '../src/proxy-protocol.js';
import { asGuest, harness, randomGuestId, refusalOf } from './helpers.js';

/** A PROXY v2 header naming `ip` (IPv4 or IPv6) as the client; LOCAL (a health check) when ip is undefined. */
function v2(ip: string | undefined): Buffer {
  if (ip === undefined) {
    const local = new V2ProxyProtocol(
      Command.LOCAL,
      TransportProtocol.UNSPEC,
      new IPv4ProxyAddress(IPv4Address.createWithEmptyAddress(), 0, IPv4Address.createWithEmptyAddress(), 0),
    );
    return Buffer.from(local.build());
  }
  const address = net.isIPv4(ip)
    ? new IPv4ProxyAddress(IPv4Address.createFrom(ip.split('.').map(Number)), 40000, IPv4Address.createFrom([10, 0, 0, 1]), 1883)
    : new IPv6ProxyAddress(IPv6Address.createFrom(ipv6Bytes(ip)), 40000, IPv6Address.createWithEmptyAddress(), 1883);
  return Buffer.from(new V2ProxyProtocol(Command.PROXY, TransportProtocol.STREAM, address).build());
}

function ipv6Bytes(ip: string): number[] {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

/**
 * A stand-in for HAProxy's `send-proxy`: forwards each connection to `port`, first writing
 * `header`. With `coalesce`, the header goes in one write with the client's first bytes (the
 * broker must then keep what follows the header).
 */
async function proxy(port: number, header: Buffer, coalesce = false): Promise<number> {
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    if (coalesce) {
      client.once('data', (first: Buffer) => {
        upstream.write(Buffer.concat([header, first]));
        client.pipe(upstream);
      });
    } else {
      upstream.write(header);
      client.pipe(upstream);
    }
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** One HTTP GET through a raw socket (which connects to a PROXY-fronted port with a header). */
function get(port: number, pathname: string, header: Buffer, tlsOptions?: { ca: Buffer }): Promise<string> {
  return new Promise((resolve, reject) => {
    const raw = net.connect(port, '127.0.0.1', () => {
      raw.write(header);
      const request = `GET ${pathname} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
      if (!tlsOptions) {
        raw.write(request);
        let data = '';
        raw.on('data', (d: Buffer) => (data += d.toString()));
        raw.on('end', () => resolve(data));
        return;
      }
      void import('node:tls').then((tls) => {
        const secure = tls.connect({ socket: raw, ca: tlsOptions.ca, servername: 'localhost' }, () => secure.write(request));
        let data = '';
        secure.on('data', (d: Buffer) => (data += d.toString()));
        secure.on('end', () => resolve(data));
        secure.on('error', reject);
      });
    });
    raw.on('error', reject);
  });
}

describe('PROXY protocol header parsing', () => {
  it('reads v1 and v2 headers, IPv4 and IPv6, and keeps the bytes after them', () => {
    expect(parseHeader(Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 40000 1883\r\nMQTT'), '10.0.0.2')).toEqual({
      address: '203.0.113.7',
      rest: Buffer.from('MQTT'),
    });
    expect(parseHeader(Buffer.from('PROXY TCP6 2001:db8:0:0:0:0:0:1 ::1 40000 1883\r\n'), '10.0.0.2')?.address).toBe('2001:db8::1');
    expect(parseHeader(Buffer.from('PROXY UNKNOWN\r\n'), '10.0.0.2')?.address).toBe('10.0.0.2');
    expect(parseHeader(Buffer.concat([v2('198.51.100.9'), Buffer.from([0x10])]), '10.0.0.2')).toEqual({ address: '198.51.100.9', rest: Buffer.from([0x10]) });
    expect(parseHeader(v2('2001:db8::7'), '10.0.0.2')?.address).toBe('2001:db8::7');
    expect(parseHeader(v2(undefined), '10.0.0.2')?.address).toBe('10.0.0.2'); // LOCAL: HAProxy's own health check
  });

  it('waits for the rest of a header cut anywhere', () => {
    for (const header of [Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 40000 1883\r\n'), v2('203.0.113.7')]) {
      for (let cut = 1; cut < header.length; cut++) expect(parseHeader(header.subarray(0, cut), 'x'), `cut at ${cut}`).toBeUndefined();
      expect(parseHeader(header, 'x')?.address).toBe('203.0.113.7');
    }
  });

  it('refuses what is not a header, a malformed one and an overlong one', () => {
    const refuse = (data: Buffer | string) => expect(() => parseHeader(Buffer.from(data), 'x')).toThrow(ProxyHeaderError);
    refuse(Buffer.from([0x10, 0x0c, 0x00])); // an MQTT CONNECT straight away
    refuse('GET / HTTP/1.1\r\n');
    refuse('PROXY TCP4 not-an-address 10.0.0.1 1 2\r\n');
    refuse(`PROXY TCP4 ${'1'.repeat(120)}`); // no CRLF within 107 bytes
    const long = Buffer.concat([v2('203.0.113.7').subarray(0, 14), Buffer.from([0xff, 0xff])]);
    refuse(long);
  });
});

describe('broker behind a PROXY-protocol load balancer (TIDINGS_PROXY_PROTOCOL)', () => {
  it('counts connection attempts by the address in the header, not the balancer’s', async () => {
    const h = await harness({ proxyProtocol: true, limits: { connectionAttemptsPerMinute: 2, exemptLoopback: true } });
    const viaA = await proxy(h.broker.mqttPort, v2('203.0.113.7'));
    const viaB = await proxy(h.broker.mqttPort, Buffer.from('PROXY TCP4 198.51.100.1 10.0.0.1 40000 1883\r\n'), true);
    await asGuest(`mqtt://127.0.0.1:${viaA}`);
    await asGuest(`mqtt://127.0.0.1:${viaA}`);
    // The third attempt from 203.0.113.7 in a minute is refused, though it came from loopback (HAProxy's address).
    expect(await refusalOf(`mqtt://127.0.0.1:${viaA}`, { clientId: randomGuestId(), clean: true })).toBeDefined();
    expect((await asGuest(`mqtt://127.0.0.1:${viaB}`)).connected).toBe(true);
    expect(h.lines().some((line) => line.includes('203.0.113.7'))).toBe(true);
  });

  it('serves WebSocket clients and /healthz through the header, also when it comes in one write with the request', async () => {
    const h = await harness({ proxyProtocol: true });
    const separate = await proxy(h.broker.httpPort, v2('203.0.113.8'));
    const coalesced = await proxy(h.broker.httpPort, v2('203.0.113.9'), true);
    expect((await asGuest(`ws://127.0.0.1:${separate}/mqtt`)).connected).toBe(true);
    expect((await asGuest(`ws://127.0.0.1:${coalesced}/mqtt`)).connected).toBe(true);
    expect(await get(h.broker.httpPort, '/healthz', v2('203.0.113.10'))).toMatch(/^HTTP\/1\.1 200[\s\S]*"connections":2/);
    expect(h.lines().some((line) => line.includes('203.0.113.9') && line.includes('"transport":"ws"'))).toBe(true);
  });

  it('does TLS after the header: MQTT over TLS, WSS and HTTPS', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-tls-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1'].concat([
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    const cert = readFileSync(path.join(dir, 'cert.pem'));
    const key = readFileSync(path.join(dir, 'key.pem'));
    const h = await harness({ proxyProtocol: true, tls: { cert, key, mqttsPort: 0 } });
    const mqtts = await proxy(h.broker.mqttsPort!, v2('203.0.113.11'), true);
    const wss = await proxy(h.broker.httpPort, v2('203.0.113.12'));
    expect((await asGuest(`mqtts://127.0.0.1:${mqtts}`, randomGuestId(), { ca: cert })).connected).toBe(true);
    expect((await asGuest(`wss://127.0.0.1:${wss}/mqtt`, randomGuestId(), { ca: cert })).connected).toBe(true);
    expect(await get(h.broker.httpPort, '/healthz', v2('203.0.113.13'), { ca: cert })).toMatch(/^HTTP\/1\.1 200/);
    expect(h.lines().some((line) => line.includes('203.0.113.11') && line.includes('"transport":"tls"'))).toBe(true);
  });

  it('closes a connection that does not start with a header, and logs why', async () => {
    const h = await harness({ proxyProtocol: true });
    expect(await refusalOf(h.broker.url, { clientId: randomGuestId(), clean: true })).toBeUndefined(); // closed, no CONNACK
    await expect.poll(() => h.lines().some((line) => line.includes('no valid PROXY header'))).toBe(true);
    expect(h.broker.connectedClients()).toBe(0);
  });
});
