import { describe, expect, it } from 'vitest';
import { LinkError, planSchedule, profiles, scaleProfile, validateProfile } from '../src/index.js';
import { echoServer, testLink } from './helpers.js';

describe('profiles', () => {
  it('calm is a 2 s round trip at 64 kbit/s each way; flaky and outage add to it', () => {
    expect(profiles.calm).toMatchObject({ delayMs: 1_000, bandwidthBps: 64_000 });
    expect(profiles.flaky).toMatchObject({ delayMs: 1_000, bandwidthBps: 64_000, cuts: { minMs: 10_000, maxMs: 30_000 } });
    expect(profiles.flaky.stalls.map((s) => s.durationMs)).toEqual([20_000, 20_000]);
    expect(profiles.outage.outages).toEqual([{ atMs: 20_000, durationMs: 60_000 }]);
    for (const p of Object.values(profiles)) expect(() => validateProfile(p)).not.toThrow();
  });

  it('scaleProfile multiplies every time by the factor and divides the bandwidth by it', () => {
    const fast = scaleProfile(profiles.flaky, 0.1);
    expect(fast.delayMs).toBeCloseTo(100);
    expect(fast.bandwidthBps).toBeCloseTo(640_000);
    expect(fast.cuts?.minMs).toBeCloseTo(1_000);
    expect(fast.cuts?.maxMs).toBeCloseTo(3_000);
    expect(fast.stalls?.map((s) => [Math.round(s.atMs), Math.round(s.durationMs)])).toEqual([
      [3_000, 2_000],
      [7_000, 2_000],
    ]);
    expect(scaleProfile(profiles.outage, 2).outages).toEqual([{ atMs: 40_000, durationMs: 120_000 }]);
    expect(scaleProfile(profiles.none, 0.1).bandwidthBps).toBe(Infinity);
  });

  it('refuses a bad factor or profile with a typed error', () => {
    expect(() => scaleProfile(profiles.calm, 0)).toThrow(LinkError);
    expect(() => scaleProfile(profiles.calm, Number.NaN)).toThrow(/scale factor/);
    const bad = [
      { ...profiles.calm, delayMs: -1 },
      { ...profiles.calm, bandwidthBps: Number.NaN },
      { ...profiles.calm, cuts: { minMs: 30, maxMs: 10 } },
      { ...profiles.calm, cuts: { minMs: 0, maxMs: 10 } },
      { ...profiles.calm, stalls: [{ atMs: 10, durationMs: 0 }] },
      { ...profiles.calm, outages: [{ atMs: Infinity, durationMs: 10 }] },
    ];
    for (const p of bad) {
      expect(() => validateProfile(p)).toThrow(expect.objectContaining({ name: 'LinkError', code: 'INVALID_PROFILE' }));
    }
  });
});

describe('schedule', () => {
  it('draws cut intervals within [min, max] and keeps the fixed stalls and outages', () => {
    const plan = planSchedule({ ...profiles.flaky, outages: [{ atMs: 50_000, durationMs: 5_000 }] }, 7, 300_000);
    const cuts = plan.filter((e) => e.kind === 'cut').map((e) => e.atMs);
    expect(cuts.length).toBeGreaterThanOrEqual(10);
    let previous = 0;
    for (const at of cuts) {
      expect(at - previous).toBeGreaterThanOrEqual(10_000);
      expect(at - previous).toBeLessThanOrEqual(30_000);
      previous = at;
    }
    expect(plan.filter((e) => e.kind !== 'cut')).toEqual([
      { atMs: 30_000, kind: 'stall', durationMs: 20_000 },
      { atMs: 50_000, kind: 'outage', durationMs: 5_000 },
      { atMs: 70_000, kind: 'stall', durationMs: 20_000 },
    ]);
    expect(plan.map((e) => e.atMs)).toEqual([...plan.map((e) => e.atMs)].sort((a, b) => a - b));
  });

  it('the same seed gives a link the same schedule, and another seed another one', async () => {
    const echo = await echoServer();
    const profile = scaleProfile(profiles.flaky, 0.1);
    const [a, b, c] = await Promise.all([7, 7, 8].map((seed) => testLink({ target: { port: echo.port }, profile, seed })));
    expect(a!.seed).toBe(7);
    expect(a!.schedule.length).toBeGreaterThan(100); // ten minutes ahead
    expect(b!.schedule).toEqual(a!.schedule);
    expect(c!.schedule).not.toEqual(a!.schedule);
    expect(a!.schedule.slice(0, 20)).toEqual(planSchedule(profile, 7, a!.schedule[19]!.atMs));
  });
});
