import net from 'node:net';

/**
 * A TCP proxy that counts the bytes each way: what a client puts on the wire and what it gets,
 * exactly as the kernel sees them (MQTT framing, and WebSocket framing when the client speaks
 * WebSocket to the broker's HTTP port).
 */
export interface CountingProxy {
  port: number;
  /** Client → broker. */
  readonly up: number;
  /** Broker → client. */
  readonly down: number;
  /** Resolves when every connection through the proxy has closed. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function countingProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<CountingProxy> {
  let up = 0;
  let down = 0;
  const open = new Set<net.Socket>();
  let idleWaiters: (() => void)[] = [];
  const checkIdle = () => {
    if (open.size > 0) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  };
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: targetHost, port: targetPort });
    upstream.setNoDelay(true);
    open.add(client);
    client.on('data', (chunk: Buffer) => {
      up += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      down += chunk.length;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', () => {
      upstream.destroy();
      open.delete(client);
      checkIdle();
    });
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        port,
        get up() {
          return up;
        },
        get down() {
          return down;
        },
        idle: () =>
          new Promise<void>((r) => {
            idleWaiters.push(r);
            checkIdle();
          }),
        close: () =>
          new Promise<void>((r) => {
            for (const s of open) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
