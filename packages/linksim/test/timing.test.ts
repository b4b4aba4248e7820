import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { profiles } from '../src/index.js';
import { connect, echoServer, pattern, readBytes, roundTrip, sinkServer, testLink, waitFor } from './helpers.js';

// Lower bounds are exact (the link never delivers early); upper bounds are generous because the
// machine is shared.

describe('delay', () => {
  it('adds two one-way delays to a round trip', async () => {
    const echo = await echoServer();
    const link = await testLink({ target: { port: echo.port }, profile: { name: 'd', delayMs: 100, bandwidthBps: 0 } });
    const socket = await connect(link.port);
    await roundTrip(socket); // the handshake
    for (let i = 0; i < 3; i++) {
      const rtt = await roundTrip(socket, `ping ${i}`);
      expect(rtt).toBeGreaterThanOrEqual(200);
      expect(rtt).toBeLessThan(200 + 400);
    }
    expect(link.stats).toMatchObject({ up: 4 + 3 * 6, down: 4 + 3 * 6, accepted: 1, open: 1 });
  });

  it("charges the TCP handshake to a new connection's first bytes only", async () => {
    const echo = await echoServer();
    const delayMs = 250;
    const link = await testLink({ target: { port: echo.port }, profile: { name: 'd', delayMs, bandwidthBps: 0 } });
    const t0 = performance.now();
    const socket = await connect(link.port);
    const first = await roundTrip(socket);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(4 * delayMs); // SYN, SYN-ACK, data, echo
    const second = await roundTrip(socket);
    expect(second).toBeGreaterThanOrEqual(2 * delayMs);
    expect(second).toBeLessThan(Math.min(first, 3.5 * delayMs));

    const noHandshake = await testLink({
      target: { port: echo.port },
      profile: { name: 'd', delayMs, bandwidthBps: 0 },
      handshake: false,
    });
    const other = await connect(noHandshake.port);
    const rtt = await roundTrip(other);
    expect(rtt).toBeGreaterThanOrEqual(2 * delayMs);
    expect(rtt).toBeLessThan(3.5 * delayMs);
  });

  it('changes conditions live with setProfile', async () => {
    const echo = await echoServer();
    const link = await testLink({ target: { port: echo.port }, profile: profiles.none });
    const profileEvents: string[] = [];
    link.on('profile', (e) => profileEvents.push(e.profile.name));
    const socket = await connect(link.port);
    await roundTrip(socket);
    expect(await roundTrip(socket)).toBeLessThan(300);
    link.setProfile({ name: 'slow', delayMs: 300, bandwidthBps: 0 });
    expect(await roundTrip(socket)).toBeGreaterThanOrEqual(600);
    link.setProfile(profiles.none);
    expect(await roundTrip(socket)).toBeLessThan(300);
    expect(profileEvents).toEqual(['slow', 'none']);
    expect(link.profile.name).toBe('none');
  });
});

describe('connections', () => {
  it('passes the FIN after the data, each way, and reports the bytes of the connection when it closes', async () => {
    const echo = await echoServer();
    const link = await testLink({ target: { port: echo.port }, profile: { name: 'd', delayMs: 50, bandwidthBps: 200_000 } });
    const closes: { up: number; down: number }[] = [];
    link.on('close', (e) => closes.push(e));
    const socket = await connect(link.port);
    const data = pattern(6_000, 9);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.end(data); // the echo server ends its side when it has echoed everything
    await new Promise((resolve) => socket.once('end', resolve));
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    await link.idle();
    expect(closes).toEqual([expect.objectContaining({ up: 6_000, down: 6_000 })]);
    expect(link.stats).toMatchObject({ open: 0, up: 6_000, down: 6_000 });
  });
});

describe('bandwidth', () => {
  const bps = 400_000;
  const n = 20_000; // 0.4 s of payload at 400 kbit/s

  it('takes at least N·8/bps for N bytes, and delivers them intact and in order', async () => {
    const sink = await sinkServer();
    const link = await testLink({ target: { port: sink.port }, profile: { name: 'bw', delayMs: 0, bandwidthBps: bps }, handshake: false });
    const socket = await connect(link.port);
    const data = pattern(n);
    const t0 = performance.now();
    socket.write(data);
    await waitFor(() => Buffer.concat(sink.received[0] ?? []).length >= n, 'all bytes at the sink');
    const elapsed = performance.now() - t0;
    const payloadMs = (n * 8 * 1000) / bps;
    const withHeadersMs = ((n + Math.ceil(n / 1460) * 40) * 8 * 1000) / bps;
    expect(elapsed).toBeGreaterThanOrEqual(withHeadersMs);
    expect(elapsed).toBeLessThan(payloadMs * 2 + 500);
    expect(Buffer.concat(sink.received[0]!).equals(data)).toBe(true);
  });

  it('shares one cap per direction among all connections of the link, turn by turn', async () => {
    const sink = await sinkServer();
    const link = await testLink({ target: { port: sink.port }, profile: { name: 'bw', delayMs: 0, bandwidthBps: bps }, handshake: false });
    const [a, b] = [await connect(link.port), await connect(link.port)];
    await waitFor(() => sink.received.length === 2, 'both connections at the sink');
    const t0 = performance.now();
    const doneAt: number[] = [];
    a.write(pattern(n, 1));
    b.write(pattern(n, 2));
    await waitFor(() => {
      for (const [i, chunks] of sink.received.entries()) {
        if (doneAt[i] === undefined && Buffer.concat(chunks).length >= n) doneAt[i] = performance.now() - t0;
      }
      return doneAt.filter((t) => t !== undefined).length === 2;
    }, 'both transfers');
    const oneMs = (n * 8 * 1000) / bps;
    // Together twice as long as one alone; and neither finished first while the other waited.
    expect(Math.max(...doneAt)).toBeGreaterThanOrEqual(2 * oneMs);
    expect(Math.max(...doneAt)).toBeLessThan(4 * oneMs + 500);
    expect(Math.min(...doneAt)).toBeGreaterThanOrEqual(1.5 * oneMs);
    expect(link.stats.up).toBe(2 * n);
  });

  it('limits the way down as well as the way up', async () => {
    const n2 = 10_000;
    const server = await sinkServer();
    const link = await testLink({ target: { port: server.port }, profile: { name: 'bw', delayMs: 0, bandwidthBps: bps }, handshake: false });
    const socket = await connect(link.port);
    await waitFor(() => server.sockets.length === 1, 'the connection at the server');
    const t0 = performance.now();
    const data = pattern(n2, 3);
    const got = readBytes(socket, n2);
    server.sockets[0]!.write(data);
    expect((await got).equals(data)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual((n2 * 8 * 1000) / bps);
    expect(link.stats.down).toBe(n2);
  });
});
