import { describe, expect, it } from 'vitest';
import { Samples, concatSamples, percentile, percentileOfSorted, round, summarize } from '../src/stats.js';

describe('percentiles', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('take the nearest rank: the smallest sample with at least p % of the samples at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.5)).toBe(100);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('are always a measured value, never an interpolation', () => {
    const samples = [0.5, 7, 7.25, 100];
    for (const p of [1, 10, 33, 50, 66, 90, 99]) expect(samples).toContain(percentile(samples, p));
  });

  it('of no samples are NaN, and a percentile outside 0..100 is refused', () => {
    expect(percentileOfSorted([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('gives p50/p95/p99/max/mean of unsorted samples, rounded to hundredths', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (999 - i) / 3); // 333 … 0, unsorted
    const s = summarize(samples);
    expect(s.n).toBe(1000);
    expect(s.p50).toBe(round(499 / 3));
    expect(s.p95).toBe(round(949 / 3));
    expect(s.p99).toBe(round(989 / 3));
    expect(s.max).toBe(333);
    expect(s.mean).toBe(round(999 / 6));
  });

  it('of nothing has n 0 and NaN figures', () => {
    const s = summarize([]);
    expect(s.n).toBe(0);
    expect(s.p99).toBeNaN();
    expect(s.mean).toBeNaN();
  });
});

describe('Samples', () => {
  it('grows past its first buffer and keeps every value in order', () => {
    const s = new Samples();
    for (let i = 0; i < 5000; i++) s.push(i);
    expect(s.length).toBe(5000);
    expect(Array.from(s.values().subarray(4995))).toEqual([4995, 4996, 4997, 4998, 4999]);
  });

  it('thins to at most the given count by an even stride, keeping the distribution', () => {
    const s = new Samples();
    for (let i = 0; i < 10_000; i++) s.push(i % 97);
    const thin = s.thinned(1000);
    expect(thin).toHaveLength(1000);
    for (const p of [50, 90, 99]) expect(Math.abs(percentile(thin, p) - percentile(Array.from(s.values()), p))).toBeLessThanOrEqual(1);
    expect(new Samples().thinned(10)).toEqual([]);
  });

  it('merges the lists of several generators', () => {
    expect(Array.from(concatSamples([[1, 2], [], [3]]))).toEqual([1, 2, 3]);
  });
});
