import { describe, expect, it } from 'vitest';
import { connect, pattern, sinkServer, testLink, waitFor } from './helpers.js';

describe('backpressure', () => {
  it('stops reading a fast sender while its bytes wait, so what the link holds stays bounded', async () => {
    const sink = await sinkServer();
    const bufferBytes = 16_384;
    const link = await testLink({
      target: { port: sink.port },
      profile: { name: 'bw', delayMs: 20, bandwidthBps: 4_000_000 },
      bufferBytes,
    });
    const socket = await connect(link.port);
    const total = 400_000; // 0.8 s on the wire
    const data = pattern(total, 5);
    for (let i = 0; i < total; i += 8_192) socket.write(data.subarray(i, i + 8_192));

    let maxQueued = 0;
    let sawSenderHeldBack = false;
    await waitFor(() => {
      const atSink = sink.received[0]?.reduce((n, c) => n + c.length, 0) ?? 0;
      const { up, queuedBytes } = link.stats;
      maxQueued = Math.max(maxQueued, queuedBytes);
      // The sender wrote everything at once; the link read it only as the wire made room.
      if (up < total / 2 && atSink > 50_000) sawSenderHeldBack = true;
      return atSink >= total;
    }, 'every byte at the sink');
    // One read from the socket can come on top of the limit (up to 64 KiB).
    expect(maxQueued).toBeLessThanOrEqual(bufferBytes + 65_536);
    expect(sawSenderHeldBack).toBe(true);
    expect(Buffer.concat(sink.received[0]!).equals(data)).toBe(true);
    expect(link.stats.queuedBytes).toBe(0);
  });
});
