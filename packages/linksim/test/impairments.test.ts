import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { scaleProfile, profiles, type LinkEvent } from '../src/index.js';
import { closed, connect, echoServer, readBytes, roundTrip, sinkServer, sleep, testLink, waitFor } from './helpers.js';

const slow = (delayMs: number) => ({ name: 'slow', delayMs, bandwidthBps: 0 });

describe('cuts', () => {
  it('closes both ends of every connection (the client one delay later) and counts them', async () => {
    const sink = await sinkServer();
    const link = await testLink({ target: { port: sink.port }, profile: slow(250), handshake: false });
    const events: LinkEvent[] = [];
    link.on('event', (e) => events.push(e));
    const [a, b] = [await connect(link.port), await connect(link.port)];
    await waitFor(() => sink.sockets.length === 2, 'both connections at the sink');
    a.write('queued, then dropped'); // still on the wire when the cut comes
    const t0 = performance.now();
    link.cut();
    await Promise.all(sink.sockets.map(closed));
    expect(a.destroyed || b.destroyed).toBe(false); // the target's side first
    await Promise.all([closed(a), closed(b)]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Buffer.concat(sink.received[0]!).length).toBe(0);
    await link.idle();
    expect(link.stats).toMatchObject({ cuts: 1, connectionsCut: 2, open: 0, accepted: 2 });
    expect(events.map((e) => e.type)).toEqual(['connect', 'connect', 'cut', 'close', 'close']);
    expect(events[2]).toMatchObject({ type: 'cut', connections: 2 });

    const again = await connect(link.port);
    again.write('after the cut');
    await waitFor(() => Buffer.concat(sink.received[2] ?? []).toString() === 'after the cut', 'a new connection to work');
  });

  it('cuts on the schedule drawn from the seed', async () => {
    const echo = await echoServer();
    const profile = { ...profiles.none, name: 'cutty', cuts: { minMs: 100, maxMs: 200 } };
    const link = await testLink({ target: { port: echo.port }, profile, seed: 3 });
    const cuts: number[] = [];
    link.on('cut', (e) => cuts.push(e.atMs));
    await waitFor(() => cuts.length >= 3, 'three cuts');
    const planned = link.schedule.slice(0, 3).map((e) => e.atMs);
    for (const [i, at] of cuts.slice(0, 3).entries()) {
      expect(at).toBeGreaterThanOrEqual(planned[i]!);
      expect(at).toBeLessThan(planned[i]! + 250);
    }
    expect(link.stats.cuts).toBeGreaterThanOrEqual(3);
  });
});

describe('stalls', () => {
  it('move nothing for their duration, close nothing, then deliver everything in order', async () => {
    const echo = await echoServer();
    const link = await testLink({ target: { port: echo.port }, profile: slow(20) });
    const events: string[] = [];
    link.on('event', (e) => events.push(e.type));
    const socket = await connect(link.port);
    await roundTrip(socket);
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    const t0 = performance.now();
    link.stall(400);
    for (let i = 0; i < 50; i++) socket.write(`${i},`);
    await sleep(300);
    expect(Buffer.concat(received).length).toBe(0);
    expect(echo.sockets[0]!.bytesRead).toBe(4); // the first ping only: nothing went up either
    const expected = Array.from({ length: 50 }, (_, i) => `${i},`).join('');
    await waitFor(() => Buffer.concat(received).length >= expected.length, 'everything after the stall');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(400 + 40);
    expect(Buffer.concat(received).toString()).toBe(expected);
    expect(socket.destroyed).toBe(false);
    expect(events).toEqual(['connect', 'stall-start', 'stall-end']);
    expect(link.stats).toMatchObject({ stalls: 1, cuts: 0, open: 1 });
    expect(await roundTrip(socket)).toBeLessThan(300);
  });

  it('hold only the connections open when they begin: a connection opened during one goes through', async () => {
    const echo = await echoServer();
    const link = await testLink({ target: { port: echo.port }, profile: slow(20) });
    const stuck = await connect(link.port);
    await roundTrip(stuck);
    link.stall(2_000);
    const back = readBytes(stuck, 5);
    stuck.write('stuck');
    const fresh = await connect(link.port);
    expect(await roundTrip(fresh)).toBeLessThan(1_000); // the link works: a new connection passes
    expect(echo.sockets[0]!.bytesRead).toBe(4); // the stuck one's write has not left
    expect((await back).toString()).toBe('stuck'); // and arrives once the stall is over
    expect(link.stats).toMatchObject({ stalls: 1, open: 2 });
  });

  it('holds what was already in flight when it began and resumes it afterwards', async () => {
    const echo = await echoServer();
    const link = await testLink({ target: { port: echo.port }, profile: slow(150), handshake: false });
    const socket = await connect(link.port);
    const t0 = performance.now();
    const back = readBytes(socket, 5);
    socket.write('hello');
    await sleep(50);
    link.stall(300); // 'hello' is on its way up
    expect((await back).toString()).toBe('hello');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300 + 300);
  });
});

describe('outages', () => {
  it('cut every connection and refuse new ones, then accept again', async () => {
    const echo = await echoServer();
    // A long delay (a round trip of 800 ms), so "at once" has a wide margin on a loaded machine.
    const link = await testLink({ target: { port: echo.port }, profile: slow(400) });
    const events: string[] = [];
    link.on('event', (e) => events.push(e.type));
    const before = await connect(link.port);
    await roundTrip(before);
    link.outage(1500);
    await closed(before);
    const refused = await connect(link.port); // accepted locally, then reset at once
    const t0 = performance.now();
    const error = new Promise<NodeJS.ErrnoException>((resolve) => refused.once('error', resolve));
    await closed(refused);
    expect(performance.now() - t0).toBeLessThan(400); // at once, not after a round trip (800 ms here)
    expect((await error).code).toBe('ECONNRESET');
    expect(echo.sockets).toHaveLength(1); // the refused connection never reached the target
    await waitFor(() => events.includes('outage-end'), 'the end of the outage');
    const after = await connect(link.port);
    await roundTrip(after);
    expect(link.stats).toMatchObject({ outages: 1, refused: 1, accepted: 2, connectionsCut: 1 });
    expect(events).toEqual(['connect', 'outage-start', 'close', 'refused', 'outage-end', 'connect']);
  });

  it('setOffline refuses until set back', async () => {
    const echo = await echoServer();
    const link = await testLink({ target: { port: echo.port }, profile: profiles.none });
    link.setOffline(true);
    await sleep(100);
    for (let i = 0; i < 2; i++) {
      const s = await connect(link.port);
      await closed(s);
    }
    expect(link.stats.refused).toBe(2);
    link.setOffline(false);
    await roundTrip(await connect(link.port));
    expect(link.stats).toMatchObject({ refused: 2, accepted: 1, outages: 1 });
  });

  it('follow the profile: offline, then a profile with an outage, then none, as a web test would', async () => {
    const echo = await echoServer();
    const link = await testLink({ target: { port: echo.port }, profile: profiles.none, seed: 1 });
    link.setOffline(true);
    link.setProfile({ ...scaleProfile(profiles.outage, 0.01), name: 'short outage' }); // outage 0.2–0.8 s
    link.setOffline(false);
    const starts: number[] = [];
    link.on('outage-start', (e) => starts.push(e.atMs));
    await waitFor(() => starts.length === 1, 'the profile outage');
    const s = await connect(link.port);
    await closed(s);
    expect(link.stats.refused).toBe(1);
    const ended = new Promise((resolve) => link.once('outage-end', resolve));
    link.setProfile(profiles.none); // a profile change leaves an outage under way to its end
    await closed(await connect(link.port));
    expect(link.stats).toMatchObject({ refused: 2, outages: 2, accepted: 0 });
    await ended;
    await roundTrip(await connect(link.port));
    expect(echo.sockets).toHaveLength(1);
  });
});

it('refuses bad arguments without changing anything', async () => {
  const echo = await echoServer();
  const link = await testLink({ target: { port: echo.port } });
  expect(() => link.stall(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  expect(() => link.outage(Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  expect(() => link.setProfile({ ...profiles.calm, delayMs: -5 })).toThrow(expect.objectContaining({ code: 'INVALID_PROFILE' }));
  expect(link.profile.name).toBe('none');
  expect(link.stats).toMatchObject({ stalls: 0, outages: 0 });
  await expect(testLink({ target: { port: echo.port }, bufferBytes: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  await expect(testLink({ target: { port: 70_000 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
});
