import net from 'node:net';

/**
 * A slow link in userspace, for measuring (not for tests: it is slow on purpose). Every
 * connection through it shares one FIFO bottleneck per direction (`bytesPerSecond`) and a
 * one-way delay of `rttMs / 2`; a new connection's first bytes also wait one round trip, the
 * TCP handshake a proxy cannot delay otherwise. Counts the bytes each way (HTTP headers,
 * WebSocket framing and all). Not modelled: TCP slow start, loss.
 */
export interface SlowLink {
  port: number;
  readonly down: number;
  readonly up: number;
  reset(): void;
  close(): Promise<void>;
}

export function slowLink(target: { host: string; port: number }, rttMs: number, bytesPerSecond: number): Promise<SlowLink> {
  const oneWay = rttMs / 2;
  const lanes = { up: { free: 0, bytes: 0 }, down: { free: 0, bytes: 0 } };
  const sockets = new Set<net.Socket>();
  /** Queues `chunk` on a direction's bottleneck; returns when it arrives at the far end. */
  const send = (dir: 'up' | 'down', notBefore: number, chunk: Buffer, deliver: () => void): number => {
    const lane = lanes[dir];
    const now = Date.now();
    lane.free = Math.max(now, lane.free) + (chunk.length / bytesPerSecond) * 1000;
    lane.bytes += chunk.length;
    const at = Math.max(lane.free + oneWay, notBefore);
    setTimeout(deliver, at - now);
    return at;
  };
  const after = (at: number, fn: () => void) => setTimeout(fn, Math.max(0, at - Date.now()) + 1);
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    let upAt = Date.now() + rttMs;
    let downAt = 0;
    client.on('data', (c: Buffer) => (upAt = send('up', upAt, c, () => upstream.destroyed || upstream.write(c))));
    upstream.on('data', (c: Buffer) => (downAt = send('down', downAt, c, () => client.destroyed || client.write(c))));
    client.on('end', () => after(upAt, () => upstream.end()));
    upstream.on('end', () => after(downAt, () => client.end()));
    for (const s of [client, upstream]) s.on('error', () => (client.destroy(), upstream.destroy()));
    client.on('close', () => after(upAt, () => upstream.destroy()));
    upstream.on('close', () => after(downAt, () => client.destroy()));
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        get down() {
          return lanes.down.bytes;
        },
        get up() {
          return lanes.up.bytes;
        },
        reset() {
          lanes.up.bytes = lanes.down.bytes = 0;
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}
