import net from 'node:net';
import { PassThrough } from 'node:stream';
import { topics } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { PacketScanner, PacketTooLargeError, guardPackets, resolveLimits } from '../src/index.js';
import { asGuest, asService, closed, grantsOf, harness, inbox, open, randomGuestId, refusalOf } from './helpers.js';

const SERVER_UNAVAILABLE = 3;

describe('connection attempts per address', () => {
  it('refuses a client over the cap with CONNACK 3 until the minute has passed', async () => {
    let clock = Date.now();
    const h = await harness({ now: () => clock, limits: { connectionAttemptsPerMinute: 3, exemptLoopback: false } });
    for (let i = 0; i < 3; i++) await asGuest(h.broker.url);
    expect(await refusalOf(h.broker.url, { clientId: randomGuestId(), clean: true })).toBe(SERVER_UNAVAILABLE);
    // Refused attempts count too, so a client hammering the broker stays out.
    expect(await refusalOf(h.broker.url, { clientId: randomGuestId(), clean: true })).toBe(SERVER_UNAVAILABLE);
    expect(h.lines().join('\n')).toContain('too many connection attempts from this address');
    clock += 61_000;
    await asGuest(h.broker.url);
  });

  it('does not cap this machine’s own loopback clients unless told to', async () => {
    const h = await harness({ limits: { connectionAttemptsPerMinute: 1 } });
    await asGuest(h.broker.url);
    await asGuest(h.broker.url);
    await asGuest(h.broker.wsUrl);
  });

  it('counts WebSocket connections by the socket address too', async () => {
    const h = await harness({ limits: { connectionAttemptsPerMinute: 1, exemptLoopback: false } });
    await asGuest(h.broker.wsUrl);
    expect(await refusalOf(h.broker.wsUrl, { clientId: randomGuestId(), clean: true })).toBe(SERVER_UNAVAILABLE);
  });

  it('keeps the cap on an open broker (auth off)', async () => {
    const h = await harness({ auth: false, limits: { connectionAttemptsPerMinute: 1, exemptLoopback: false } });
    await open(h.broker.url, { clientId: 'bench-1' });
    expect(await refusalOf(h.broker.url, { clientId: 'bench-2' })).toBe(SERVER_UNAVAILABLE);
  });
});

describe('packet size', () => {
  it('closes a connection that sends a packet over the limit, delivering nothing', async () => {
    const h = await harness({ limits: { maxPacketSize: 2048 } });
    const watch = await asService(h, 'auth');
    const got = inbox(watch);
    expect(await grantsOf(watch, [topics.guestRequestFilter('auth.login')])).toEqual([1]);
    const guestId = randomGuestId();
    const guest = await asGuest(h.broker.url, guestId);
    const gone = closed(guest);
    guest.publish(topics.guestRequest(guestId, 'auth.login'), 'x'.repeat(4096), { qos: 1 });
    await gone;
    expect(h.lines().join('\n')).toContain('packet too large');
    // Positive control: a packet under the limit from the next guest goes through.
    const next = randomGuestId();
    const small = got.next(topics.guestRequest(next, 'auth.login'));
    (await asGuest(h.broker.url, next)).publish(topics.guestRequest(next, 'auth.login'), 'x'.repeat(1500), { qos: 1 });
    await small;
    expect(got.messages.map((m) => m.payload.length)).toEqual([1500]);
  });

  it('drops a connection as soon as a header declares a huge packet, without waiting for its body', async () => {
    const h = await harness();
    const socket = net.connect(h.broker.mqttPort, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // CONNECT with a remaining length of 268,435,455 bytes (the MQTT maximum), then nothing.
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    await ended;
    expect(h.lines().join('\n')).toContain('packet too large');
  });

  it('applies the limit over WebSocket as well', async () => {
    const h = await harness({ limits: { maxPacketSize: 2048 } });
    const guestId = randomGuestId();
    const guest = await asGuest(h.broker.wsUrl, guestId);
    const gone = closed(guest);
    guest.publish(topics.guestRequest(guestId, 'auth.login'), 'x'.repeat(4096), { qos: 1 });
    await gone;
  });
});

describe('PacketScanner', () => {
  const packet = (bodyLength: number, type = 0x30): Buffer => {
    const len: number[] = [];
    let n = bodyLength;
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      len.push(byte);
    } while (n > 0);
    return Buffer.concat([Buffer.from([type, ...len]), Buffer.alloc(bodyLength, 1)]);
  };

  it('accepts packets up to the limit, several in a chunk or split anywhere', () => {
    const stream = Buffer.concat([packet(10), packet(0, 0xc0), packet(997), packet(200)]);
    expect(new PacketScanner(1000).scan(stream)).toBeNull();
    const byteByByte = new PacketScanner(1000);
    for (const byte of stream) expect(byteByByte.scan(Buffer.from([byte]))).toBeNull();
  });

  it('reports the first packet over the limit, even when its length bytes arrive one at a time', () => {
    const scanner = new PacketScanner(1000);
    expect(scanner.scan(packet(100))).toBeNull();
    const big = packet(998); // 1 + 2 + 998 = 1001 bytes
    expect(scanner.scan(big.subarray(0, 2))).toBeNull();
    const err = scanner.scan(big.subarray(2, 3));
    expect(err).toBeInstanceOf(PacketTooLargeError);
    expect((err as PacketTooLargeError).size).toBe(1001);
  });

  it('reports a remaining length longer than four bytes as malformed', () => {
    expect(new PacketScanner(1 << 30).scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))?.message).toMatch(/malformed/);
  });
});

describe('guardPackets', () => {
  it('passes the chunks written while corked to the connection as one write, in order', async () => {
    const inner = new PassThrough();
    const writes: Buffer[] = [];
    const write = inner.write.bind(inner) as (chunk: Buffer) => boolean;
    inner.write = ((chunk: Buffer) => {
      writes.push(Buffer.from(chunk));
      return write(chunk);
    }) as typeof inner.write;
    const outer = guardPackets(inner, 1024, () => {});
    // as mqtt-packet writes a PUBLISH: header, topic length, topic, packet id, payload
    outer.cork();
    for (const part of [
      [0x32, 0x0a],
      [0x00, 0x03],
      [0x61, 0x2f, 0x62],
      [0x00, 0x01],
      [0x68, 0x69, 0x21],
    ])
      outer.write(Buffer.from(part));
    outer.uncork();
    outer.write(Buffer.from([0xc0, 0x00]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.map((w) => w.toString('hex'))).toEqual(['320a0003612f620001686921', 'c000']);
  });
});

describe('aedes limits as the broker sets them', () => {
  it('closes a connection that sends no CONNECT within connectTimeout', async () => {
    const h = await harness({ limits: { connectTimeout: 300 } });
    const port = Number(new URL(h.broker.url).port);
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('closes a connection that subscribes to a filter of more than maxTopicLevels levels; one within it is granted', async () => {
    const h = await harness();
    const within = await asService(h, 'auth');
    expect(await grantsOf(within, [topics.guestRequestFilter('auth.login')])).toEqual([1]);
    const deep = `${topics.guestRequestFilter('auth.login')}/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`;
    const watch = await asService(h, 'likes');
    const gone = closed(watch);
    watch.subscribe(deep, { qos: 1 }, () => {});
    await gone;
  });
});

describe('resolveLimits', () => {
  it('fills in the defaults and refuses nonsense', () => {
    expect(resolveLimits({ maxPacketSize: 4096 })).toMatchObject({
      maxPacketSize: 4096,
      maxTopicLevels: 16,
      connectionAttemptsPerMinute: 30,
      exemptLoopback: true,
    });
    expect(() => resolveLimits({ maxPacketSize: -1 })).toThrow(/maxPacketSize/);
    expect(() => resolveLimits({ drainTimeout: 1.5 })).toThrow(/drainTimeout/);
    expect(() => resolveLimits({ maxTopicLevels: 500 })).toThrow(/maxTopicLevels/);
  });
});
