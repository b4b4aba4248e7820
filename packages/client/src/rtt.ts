/**
 * Round-trip time, measured on the link itself, and the retransmission timeout that follows
 * from it — the estimator TCP uses (RFC 6298): a smoothed RTT and its mean deviation, updated
 * with every clean sample (never one of a request sent more than once: its reply cannot be
 * matched to one copy, Karn's rule), RTO = SRTT + 4 × RTTVAR within [minMs, maxMs].
 *
 * Samples come from request → reply times and from MQTT PINGREQ → PINGRESP. On loopback the
 * RTO sits at its floor; through a 2 s round-trip link it settles a little above 2 s — instead
 * of one fixed timeout that is far too long for the first and too short for the second.
 */
export interface RttOptions {
  /** The RTO before any sample (default 3 s, as RFC 6298 recommends after a SYN timeout). */
  initialMs?: number;
  /** Floor (default 1 s): a loaded service must not look like a lost packet. */
  minMs?: number;
  /** Ceiling (default 60 s). */
  maxMs?: number;
}

export class RttEstimator {
  readonly #initial: number;
  readonly #min: number;
  readonly #max: number;
  #srtt: number | undefined;
  #rttvar = 0;
  #samples = 0;

  constructor(options: RttOptions = {}) {
    this.#initial = options.initialMs ?? 3000;
    this.#min = options.minMs ?? 1000;
    this.#max = options.maxMs ?? 60_000;
  }

  /** Smoothed round-trip time in ms, or undefined before the first sample. */
  get srtt(): number | undefined {
    return this.#srtt;
  }

  get samples(): number {
    return this.#samples;
  }

  /** How long to wait for an answer before sending again, in ms. */
  get rto(): number {
    if (this.#srtt === undefined) return this.#initial;
    return Math.min(this.#max, Math.max(this.#min, Math.round(this.#srtt + 4 * this.#rttvar)));
  }

  sample(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#samples++;
    if (this.#srtt === undefined) {
      this.#srtt = ms;
      this.#rttvar = ms / 2;
      return;
    }
    this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - ms);
    this.#srtt = 0.875 * this.#srtt + 0.125 * ms;
  }
}
