import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { expect, onTestFinished } from 'vitest';
import { createLink, type Link, type LinkOptions } from '../src/index.js';

export interface TestServer {
  readonly port: number;
  /** Server-side sockets, in accept order. */
  readonly sockets: net.Socket[];
}

/** A TCP server on port 0 that runs `onSocket` for each connection; closed when the test ends. */
export async function tcpServer(onSocket: (s: net.Socket) => void): Promise<TestServer> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => {});
    sockets.push(s);
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

export const echoServer = () => tcpServer((s) => s.pipe(s));

/** Reads and keeps everything; `received[i]` is what connection i sent. */
export async function sinkServer(): Promise<TestServer & { received: Buffer[][] }> {
  const received: Buffer[][] = [];
  const server = await tcpServer((s) => {
    const chunks: Buffer[] = [];
    received.push(chunks);
    s.on('data', (d: Buffer) => chunks.push(d));
  });
  return { ...server, received };
}

/** A link closed when the test ends. */
export async function testLink(options: LinkOptions): Promise<Link> {
  const link = await createLink(options);
  onTestFinished(() => link.close());
  return link;
}

export async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  socket.on('error', () => {});
  onTestFinished(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Resolves with exactly the next `n` bytes the socket receives (and what came with them). */
export function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= n) {
        done();
        resolve(Buffer.concat(chunks));
      }
    };
    const onClose = () => {
      done();
      reject(new Error(`closed after ${got} of ${n} bytes`));
    };
    const done = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** Milliseconds from writing `payload` to an echo server until all of it came back. */
export async function roundTrip(socket: net.Socket, payload: string | Buffer = 'ping'): Promise<number> {
  const buf = Buffer.from(payload);
  const t0 = performance.now();
  const back = readBytes(socket, buf.length);
  socket.write(buf);
  expect((await back).equals(buf)).toBe(true);
  return performance.now() - t0;
}

export function closed(socket: net.Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

export function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const tick = () => {
      if (check()) resolve();
      else if (performance.now() - t0 > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Deterministic bytes that show any reordering or loss. */
export function pattern(n: number, seed = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return b;
}
