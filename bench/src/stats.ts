/**
 * Statistics of latency samples. Percentiles use the nearest-rank method: the p-th percentile of
 * n sorted samples is the sample at rank ceil(p/100 · n) (1-based), so it is always a measured
 * value and p100 is the maximum.
 */

export interface LatencySummary {
  /** Samples. */
  n: number;
  /** Milliseconds, rounded to 0.01. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** The nearest-rank percentile of samples already sorted ascending; NaN when there are none. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1]!;
}

/** The nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  return percentileOfSorted(Float64Array.from(samples).sort(), p);
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** p50/p95/p99/max/mean of latency samples in ms (NaN fields when there are none). */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    p50: round(percentileOfSorted(sorted, 50)),
    p95: round(percentileOfSorted(sorted, 95)),
    p99: round(percentileOfSorted(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1]! : Number.NaN),
    mean: round(sorted.length ? sum / sorted.length : Number.NaN),
  };
}

/**
 * A growable list of samples in a Float64Array (a million latencies cost 8 MB, not the tens of
 * MB a number[] may take). Samples travel between processes as plain arrays.
 */
export class Samples {
  #data = new Float64Array(1024);
  #n = 0;

  push(value: number): void {
    if (this.#n === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#n++] = value;
  }

  get length(): number {
    return this.#n;
  }

  values(): Float64Array {
    return this.#data.subarray(0, this.#n);
  }

  /** At most `max` samples, evenly strided (keeps the distribution; for sending over IPC). */
  thinned(max = 200_000): number[] {
    const all = this.values();
    if (all.length <= max) return Array.from(all);
    const step = all.length / max;
    const out: number[] = [];
    for (let i = 0; i < max; i++) out.push(all[Math.floor(i * step)]!);
    return out;
  }
}

/** Merges sample lists of several generator processes. */
export function concatSamples(lists: readonly (readonly number[])[]): Float64Array {
  const total = lists.reduce((n, l) => n + l.length, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const l of lists) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}

/** Milliseconds since the epoch with sub-millisecond resolution; comparable across processes of one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
