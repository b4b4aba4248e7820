import { MAX_PACKET_BYTES, TEXT_MAX } from '@tidings/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BROKER_HEALTH, ConnectionDrops, exitUnhealthy, oversizePacket } from '../src/index.js';

describe('ConnectionDrops: when the broker connection counts as failing', () => {
  const health = { maxDrops: 3, windowMs: 60_000, stableMs: 10_000 };
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('fails after maxDrops connections closed before they lasted stableMs, within the window', () => {
    const c = clock();
    const drops = new ConnectionDrops(health, c.now);
    const results: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      drops.reached();
      c.advance(50); // the broker closes it at once (a packet over its limit)
      results.push(drops.closed());
      c.advance(200); // the reconnect delay
    }
    expect(results).toEqual([false, false, true]);
  });

  it('does not count connections that lasted, nor attempts that never got a CONNACK (a broker away or restarting)', () => {
    const c = clock();
    const drops = new ConnectionDrops(health, c.now);
    for (let i = 0; i < 10; i++) {
      drops.reached();
      c.advance(health.stableMs);
      expect(drops.closed()).toBe(false);
      for (let j = 0; j < 20; j++) {
        c.advance(1000);
        expect(drops.closed()).toBe(false); // an attempt that never reached the broker
      }
    }
    expect(drops.recent).toBe(0);
  });

  it('forgets drops older than the window', () => {
    const c = clock();
    const drops = new ConnectionDrops(health, c.now);
    for (let i = 0; i < 10; i++) {
      drops.reached();
      c.advance(100);
      expect(drops.closed()).toBe(false);
      c.advance(health.windowMs / 2); // two drops a window: never three
    }
    expect(drops.recent).toBe(2);
  });

  it('never fails with maxDrops 0', () => {
    const c = clock();
    const drops = new ConnectionDrops({ ...health, maxDrops: 0 }, c.now);
    for (let i = 0; i < 100; i++) {
      drops.reached();
      c.advance(1);
      expect(drops.closed()).toBe(false);
    }
  });

  it('defaults to 5 drops within a minute, each under 10 s', () => {
    expect(BROKER_HEALTH).toEqual({ maxDrops: 5, windowMs: 60_000, stableMs: 10_000 });
  });
});

it('exitUnhealthy logs at fatal level and exits with status 1', () => {
  const lines: string[] = [];
  const logger = pino({ base: null }, { write: (line: string) => lines.push(line) });
  const codes: number[] = [];
  exitUnhealthy(logger, (code) => codes.push(code))('the broker closed 5 connections');
  expect(codes).toEqual([1]);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 60, why: 'the broker closed 5 connections' });
});

describe('oversizePacket', () => {
  it('clears every packet the broker accepts and names the size of one it would not', () => {
    expect(oversizePacket('t/r/alice:laptop', 'x'.repeat(1000))).toBeUndefined();
    // the largest message event there is: 4,000 characters of 6-byte escapes
    expect(oversizePacket('t/room/general', JSON.stringify({ t: 'm', s: 1, u: 'alice', x: '\u0001'.repeat(TEXT_MAX), at: 0 }))).toBeUndefined();
    const topic = 't/r/alice:laptop';
    const fits = MAX_PACKET_BYTES - (1 + 3 + 2 + topic.length + 2);
    expect(oversizePacket(topic, 'x'.repeat(fits))).toBeUndefined();
    expect(oversizePacket(topic, 'x'.repeat(fits + 1))).toBe(MAX_PACKET_BYTES + 1);
    expect(oversizePacket(topic, Buffer.alloc(fits + 1))).toBe(MAX_PACKET_BYTES + 1);
    expect(oversizePacket(topic, 'é'.repeat(40_000))).toBeGreaterThan(MAX_PACKET_BYTES); // 80,000 bytes in 40,000 characters
    expect(oversizePacket(topic, 'x'.repeat(fits + 2), 0)).toBeUndefined(); // QoS 0 has no packet id
  });
});
