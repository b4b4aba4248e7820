import net from 'node:net';
import { Duplex } from 'node:stream';
import { Command, IPv4ProxyAddress, IPv6ProxyAddress, V1ProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';

/**
 * The PROXY protocol (HAProxy's `send-proxy` / `send-proxy-v2`): behind a TCP load balancer every
 * connection comes from the balancer, so it starts each one with a header naming the client's
 * address. The broker reads that header (framing here, parsing by proxy-protocol-js, the parser
 * aedes' own protocol decoder uses) and counts and logs the client by it.
 *
 * Spec: https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt
 */

/** v2 starts with these 12 bytes; v1 with `PROXY `. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_SIGNATURE = Buffer.from('PROXY ');
/** A v1 header is at most 107 bytes, CRLF included (spec 2.1). */
const V1_MAX = 107;
/** v2: 16 bytes, then the address block and TLVs; HAProxy's own TLVs stay far below this. */
const V2_MAX_BODY = 2048;

export class ProxyHeaderError extends Error {
  override readonly name = 'ProxyHeaderError';
}

export interface ProxiedConnection {
  /** The client's address from the header; the socket's own for a LOCAL (health check) or UNKNOWN header. */
  address: string;
  /** What arrived after the header: the start of the client's own bytes. */
  rest: Buffer;
}

/**
 * Reads the PROXY header at the start of `socket` (paused mode; nothing else may read it yet).
 * Rejects — and the caller closes the socket — when the first bytes are not a PROXY header, the
 * header is malformed or too long, the socket ends first, or no header is complete after
 * `timeoutMs`.
 */
export function readProxyHeader(socket: net.Socket, timeoutMs: number): Promise<ProxiedConnection> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new ProxyHeaderError(`no PROXY header within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | undefined, header?: ProxiedConnection) => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (err) reject(err);
      else resolve(header!);
    };
    const onEnd = () => finish(new ProxyHeaderError('the connection ended before its PROXY header'));
    const onError = (err: Error) => finish(err);
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        let parsed: ProxiedConnection | undefined;
        try {
          parsed = parseHeader(buffered, socket.remoteAddress ?? 'unknown');
        } catch (err) {
          finish(err as Error);
          return;
        }
        if (parsed) {
          finish(undefined, parsed);
          return;
        }
      }
    };
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('error', onError);
  });
}

/**
 * The header at the start of `data` and what follows it; undefined while more bytes are needed.
 * Throws {@link ProxyHeaderError} for anything that is not a well-formed header.
 */
export function parseHeader(data: Buffer, socketAddress: string): ProxiedConnection | undefined {
  const prefix = (signature: Buffer) => data.subarray(0, signature.length).equals(signature.subarray(0, Math.min(signature.length, data.length)));
  if (prefix(V2_SIGNATURE)) {
    if (data.length < 16) return undefined;
    const bodyLength = data.readUInt16BE(14);
    if (bodyLength > V2_MAX_BODY) throw new ProxyHeaderError(`PROXY v2 header too long (${bodyLength} bytes)`);
    if (data.length < 16 + bodyLength) return undefined;
    let header: V2ProxyProtocol;
    try {
      header = V2ProxyProtocol.parse(new Uint8Array(data.subarray(0, 16 + bodyLength)));
    } catch (err) {
      throw new ProxyHeaderError(`malformed PROXY v2 header: ${(err as { message?: string }).message ?? String(err)}`);
    }
    const rest = data.subarray(16 + bodyLength);
    const from = header.proxyAddress;
    if (header.command === Command.LOCAL) return { address: socketAddress, rest };
    if (from instanceof IPv4ProxyAddress) return { address: from.sourceAddress.address.join('.'), rest };
    if (from instanceof IPv6ProxyAddress) return { address: ipv6(from.sourceAddress.address), rest };
    return { address: socketAddress, rest }; // UNSPEC or a UNIX socket: no client address to count
  }
  if (prefix(V1_SIGNATURE)) {
    const end = data.indexOf('\r\n');
    if (end < 0) {
      if (data.length >= V1_MAX) throw new ProxyHeaderError('PROXY v1 header too long');
      return undefined;
    }
    if (end + 2 > V1_MAX) throw new ProxyHeaderError('PROXY v1 header too long');
    const line = data.subarray(0, end + 2).toString('latin1');
    const rest = data.subarray(end + 2);
    if (line.startsWith('PROXY UNKNOWN')) return { address: socketAddress, rest };
    try {
      return { address: canonical(V1ProxyProtocol.parse(line).source.ipAddress), rest };
    } catch (err) {
      throw new ProxyHeaderError(`malformed PROXY v1 header: ${(err as { message?: string }).message ?? String(err)}`);
    }
  }
  throw new ProxyHeaderError('the connection did not start with a PROXY header');
}

/** An IPv6 address as Node prints one (`2001:db8::1`; IPv4-mapped as `::ffff:a.b.c.d`). */
function ipv6(bytes: readonly number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return canonical(groups.join(':'));
}

function canonical(address: string): string {
  if (!net.isIP(address)) throw new ProxyHeaderError(`not an IP address: ${address}`);
  return net.isIPv6(address) ? new net.SocketAddress({ address, family: 'ipv6' }).address : address;
}

/**
 * `socket` with `rest` read first: for the consumers that read a net.Socket's handle directly
 * (TLS, the HTTP parser), which would skip bytes put back with unshift().
 */
export function withPrepended(socket: net.Socket, rest: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy(err ?? undefined);
      callback(err);
    },
  });
  // What the HTTP server and ws call on a connection's socket.
  Object.assign(stream, {
    setTimeout: (ms: number) => (socket.setTimeout(ms), stream),
    setNoDelay: (noDelay?: boolean) => (socket.setNoDelay(noDelay), stream),
    setKeepAlive: (enable?: boolean, delay?: number) => (socket.setKeepAlive(enable, delay), stream),
  });
  if (rest.length > 0) stream.push(rest);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('error', (err) => stream.destroy(err));
  socket.on('close', () => stream.destroy());
  socket.resume();
  return stream;
}
