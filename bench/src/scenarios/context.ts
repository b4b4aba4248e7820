import type { LatencySummary } from '../stats.js';

/** What every scenario gets from the runner. */
export interface ScenarioContext {
  quick: boolean;
  /** One progress line (the runner prefixes the scenario). */
  progress: (message: string) => void;
  /** A note for the report (settings changed for load generation, skips, caveats). */
  note: (message: string) => void;
}

/** Latency fields as the JSON stores them (ms). */
export type Latency = LatencySummary;

export interface Skipped {
  skipped: string;
}

export function isSkipped(x: unknown): x is Skipped {
  return typeof x === 'object' && x !== null && typeof (x as Skipped).skipped === 'string';
}
