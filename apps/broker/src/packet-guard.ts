import { Duplex } from 'node:stream';

export class PacketTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(`MQTT packet of ${size} bytes exceeds the limit of ${max} bytes`);
    this.name = 'PacketTooLargeError';
  }
}

/**
 * Reads MQTT fixed headers as bytes arrive and reports a packet whose declared size is larger
 * than `max`, before its body is buffered. aedes' parser (mqtt-packet) has no size limit: it
 * would wait for, and buffer, whatever remaining length a client declares (up to 256 MiB).
 *
 * Framing: 1 byte type/flags, then the remaining length as 1–4 bytes of 7-bit groups, then
 * that many bytes. The scanner only looks at headers; bodies are skipped by counting.
 */
export class PacketScanner {
  /** Bytes of the current packet's body still to skip. */
  private skip = 0;
  /** 0 = expecting a type byte, 1..4 = reading the n-th length byte. */
  private state = 0;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly max: number) {}

  /** Scans a chunk; returns an error when a packet is too large or malformed, else null. */
  scan(chunk: Buffer): Error | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 0) {
        this.state = 1;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      if (byte & 0x80) {
        if (this.state === 4) return new Error('malformed MQTT remaining length');
        this.state++;
        this.multiplier *= 128;
        continue;
      }
      const size = 1 + this.state + this.length;
      if (size > this.max) return new PacketTooLargeError(size, this.max);
      this.skip = this.length;
      this.state = 0;
    }
    return null;
  }
}

/**
 * Wraps a connection (TCP/TLS socket or WebSocket stream) so that every byte read passes the
 * packet scanner; a packet over the limit destroys the connection with a PacketTooLargeError.
 * Writes go straight through; writes made while corked go through as one.
 */
export function guardPackets(inner: Duplex, max: number, onViolation: (err: Error) => void): Duplex {
  const scanner = new PacketScanner(max);
  let failed = false;
  // Hand back-pressure through: accept the next write once the inner stream has room. And
  // coalesce: a write is finished only on the next turn of the event loop, so the packets queued
  // for this connection meanwhile (a room's fan-out delivers a whole batch of messages to every
  // member in one turn) reach `writev` together and go out as one syscall / WebSocket frame. The
  // first packet still leaves at once: nothing waits when the connection is idle.
  const pass = (data: Buffer, callback: (err?: Error | null) => void) => {
    if (inner.write(data)) setImmediate(callback);
    else inner.once('drain', () => callback());
  };
  const outer = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      pass(chunk, callback);
    },
    // mqtt-packet writes a packet as several small chunks between cork() and uncork(): they
    // arrive here together and go out as one write (one syscall, one WebSocket frame) instead
    // of one each. Measured: half of the broker's CPU went to those separate writes.
    writev(chunks: { chunk: Buffer }[], callback) {
      pass(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), callback);
    },
    final(callback) {
      inner.end(callback);
    },
    destroy(err, callback) {
      inner.destroy();
      callback(err);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    if (failed) return;
    const err = scanner.scan(chunk);
    if (err) {
      failed = true;
      onViolation(err);
      inner.destroy();
      outer.destroy();
      return;
    }
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (err) => outer.destroy(err));
  inner.on('close', () => {
    if (!outer.destroyed) outer.destroy();
  });
  return outer;
}
