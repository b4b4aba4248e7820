import { describe, expect, it } from 'vitest';
import { RttEstimator } from '../src/index.js';

describe('round-trip time and retransmission timeout (RFC 6298)', () => {
  it('starts at the initial timeout and follows the measured round trip', () => {
    const rtt = new RttEstimator();
    expect(rtt.rto).toBe(3000);
    expect(rtt.srtt).toBeUndefined();
    rtt.sample(2000);
    // first sample: SRTT = R, RTTVAR = R/2 → RTO = 2000 + 4 × 1000
    expect(rtt.srtt).toBe(2000);
    expect(rtt.rto).toBe(6000);
    for (let i = 0; i < 30; i++) rtt.sample(2000);
    // a steady 2 s link: the deviation decays and the RTO settles just above the RTT
    expect(rtt.srtt).toBeCloseTo(2000, 5);
    expect(rtt.rto).toBeGreaterThan(2000);
    expect(rtt.rto).toBeLessThan(2100);
  });

  it('keeps the timeout within its floor and ceiling', () => {
    const loopback = new RttEstimator();
    for (let i = 0; i < 10; i++) loopback.sample(1);
    expect(loopback.rto).toBe(1000);
    const awful = new RttEstimator({ maxMs: 20_000 });
    awful.sample(15_000);
    expect(awful.rto).toBe(20_000);
  });

  it('grows with jitter: a link whose round trips vary gets a longer timeout', () => {
    const steady = new RttEstimator();
    const jittery = new RttEstimator();
    for (let i = 0; i < 20; i++) {
      steady.sample(2000);
      jittery.sample(i % 2 === 0 ? 1000 : 3000);
    }
    expect(jittery.rto).toBeGreaterThan(steady.rto + 2000);
  });

  it('ignores samples that are not durations', () => {
    const rtt = new RttEstimator();
    rtt.sample(Number.NaN);
    rtt.sample(-5);
    expect(rtt.samples).toBe(0);
    expect(rtt.rto).toBe(3000);
  });
});
