import { rateLimited } from './rpc.js';

/**
 * A bounded, fair line in front of an expensive resource — the password hashes of auth and
 * security-questions (argon2id, 64 MiB and ≈ 0.1–0.3 s of a core each).
 *
 * - At most `concurrency` jobs run at once; at most `maxWaiting` wait. Each waits at most
 *   `deadlineMs`; a job that would wait longer, or finds no place, is refused with RATE_LIMITED
 *   and a `retryAfter` from the line's length and the measured time of a job.
 * - Every job names a **group** (the fairness key) and **capped keys**. Waiting jobs are served
 *   round-robin between groups, oldest first within a group; when the line is full, a job of a
 *   group with fewer waiting jobs takes the place of the newest job of the group with the most
 *   (which is refused). So a group keeps its turn however many jobs others queue.
 * - Each capped key (a client id, say) may have at most `maxPerKey` jobs in the line, waiting or
 *   running; more are refused at once.
 *
 * Nothing is queued outside it, so the memory a flood can hold is bounded by the line: a waiting
 * job is a closure and a timer.
 */
export interface FairQueueOptions {
  /** Jobs running at once (≥ 1). */
  concurrency: number;
  /** Jobs waiting at most, beyond those running (≥ 0). */
  maxWaiting: number;
  /** Jobs of one capped key in the line (waiting or running) at most (≥ 1). */
  maxPerKey: number;
  /** Longest wait before a job starts, in ms (> 0). */
  deadlineMs: number;
  /** What a job is expected to take before any has been measured, in ms (for retryAfter). */
  initialJobMs?: number;
  /** The refusal's message. */
  message?: string;
  /** The clock (ms) for job times; tests pass their own. */
  now?: () => number;
  /** Timers of the deadlines; tests pass their own. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** Who a job is for: the group it takes turns in, and the keys whose share of the line is capped. */
export interface LineTicket {
  group: string;
  caps?: readonly string[];
}

export type LineRefusal = 'full' | 'per-key' | 'deadline' | 'displaced';

export interface FairQueueStats {
  running: number;
  waiting: number;
  /** Jobs started so far. */
  started: number;
  /** Refusals so far, by reason. */
  refused: Record<LineRefusal, number>;
  /** The most jobs that ever waited at once. */
  peakWaiting: number;
}

interface Waiter {
  ticket: LineTicket;
  start: () => void;
  refuse: (reason: LineRefusal) => void;
  timer: unknown;
}

export const DEFAULT_LINE_MESSAGE = 'The server is busy checking passwords: try again in a moment.';

export class FairQueue {
  readonly #o: Required<Omit<FairQueueOptions, 'initialJobMs'>>;
  /** Waiting jobs by group, each oldest first; the Map's order is the round-robin order. */
  readonly #groups = new Map<string, Waiter[]>();
  /** Jobs in the line (waiting or running) by capped key. */
  readonly #perKey = new Map<string, number>();
  #waiting = 0;
  #running = 0;
  #jobMs: number;
  readonly #stats: FairQueueStats = { running: 0, waiting: 0, started: 0, refused: { full: 0, 'per-key': 0, deadline: 0, displaced: 0 }, peakWaiting: 0 };

  constructor(options: FairQueueOptions) {
    const { concurrency, maxWaiting, maxPerKey, deadlineMs } = options;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError(`maxWaiting must be an integer ≥ 0, got ${maxWaiting}`);
    if (!Number.isInteger(maxPerKey) || maxPerKey < 1) throw new RangeError(`maxPerKey must be an integer ≥ 1, got ${maxPerKey}`);
    if (!Number.isFinite(deadlineMs) || deadlineMs <= 0) throw new RangeError(`deadlineMs must be positive, got ${deadlineMs}`);
    this.#o = {
      concurrency,
      maxWaiting,
      maxPerKey,
      deadlineMs,
      message: options.message ?? DEFAULT_LINE_MESSAGE,
      now: options.now ?? (() => performance.now()),
      setTimer: options.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)),
    };
    this.#jobMs = options.initialJobMs ?? 250;
  }

  /**
   * Runs `job` when its turn comes, and resolves or rejects as it does; rejects with a
   * RATE_LIMITED TidingsError (with retryAfter) when the line refuses it (the job never runs then).
   */
  run<T>(ticket: LineTicket, job: () => Promise<T>): Promise<T> {
    const caps = ticket.caps ?? [];
    if (caps.some((k) => (this.#perKey.get(k) ?? 0) >= this.#o.maxPerKey)) return Promise.reject(this.#refusal('per-key'));
    return new Promise<T>((resolve, reject) => {
      const execute = () => {
        this.#running++;
        this.#stats.started++;
        const t0 = this.#o.now();
        // async: a job that throws at once rejects like one that fails later
        const promise = (async () => job())();
        promise
          .finally(() => {
            this.#jobMs = 0.8 * this.#jobMs + 0.2 * Math.max(0, this.#o.now() - t0);
            this.#running--;
            this.#release(caps);
            this.#next();
          })
          .then(resolve, reject);
      };
      if (this.#running < this.#o.concurrency && this.#waiting === 0) {
        this.#hold(caps);
        execute();
        return;
      }
      if (this.#waiting >= this.#o.maxWaiting && !this.#displaceFor(ticket.group)) {
        reject(this.#refusal('full'));
        return;
      }
      this.#hold(caps);
      const waiter: Waiter = {
        ticket,
        start: execute,
        refuse: (reason) => {
          this.#release(caps);
          reject(this.#refusal(reason));
        },
        timer: undefined,
      };
      waiter.timer = this.#o.setTimer(() => {
        if (this.#remove(waiter)) waiter.refuse('deadline');
      }, this.#o.deadlineMs);
      const list = this.#groups.get(ticket.group);
      if (list) list.push(waiter);
      else this.#groups.set(ticket.group, [waiter]);
      this.#waiting++;
      this.#stats.peakWaiting = Math.max(this.#stats.peakWaiting, this.#waiting);
    });
  }

  /** Waiting jobs of a group (tests, diagnostics). */
  waitingIn(group: string): number {
    return this.#groups.get(group)?.length ?? 0;
  }

  get stats(): FairQueueStats {
    return { ...this.#stats, running: this.#running, waiting: this.#waiting, refused: { ...this.#stats.refused } };
  }

  /** Seconds-worth of wait a refused job is told to wait: the line ahead of it, at the measured pace. */
  retryAfterMs(): number {
    const ahead = this.#waiting + this.#running;
    return Math.max(1000, Math.ceil(ahead / this.#o.concurrency) * this.#jobMs);
  }

  #refusal(reason: LineRefusal) {
    this.#stats.refused[reason]++;
    return rateLimited(this.#o.message, this.retryAfterMs());
  }

  #hold(caps: readonly string[]): void {
    for (const k of caps) this.#perKey.set(k, (this.#perKey.get(k) ?? 0) + 1);
  }

  #release(caps: readonly string[]): void {
    for (const k of caps) {
      const n = (this.#perKey.get(k) ?? 1) - 1;
      if (n <= 0) this.#perKey.delete(k);
      else this.#perKey.set(k, n);
    }
  }

  /** Starts waiting jobs while there is room: the next group in turn gives its oldest job, then goes to the back. */
  #next(): void {
    while (this.#running < this.#o.concurrency && this.#waiting > 0) {
      const [group, list] = this.#groups.entries().next().value as [string, Waiter[]];
      const waiter = list.shift()!;
      this.#groups.delete(group);
      if (list.length > 0) this.#groups.set(group, list); // to the back of the turn order
      this.#waiting--;
      this.#o.clearTimer(waiter.timer);
      waiter.start();
    }
  }

  /**
   * The line is full: a job of `group` may take the place of the newest waiting job of the group
   * with the most waiting jobs, when that group has more than `group` would have with it.
   */
  #displaceFor(group: string): boolean {
    if (this.#o.maxWaiting === 0) return false;
    let largest: Waiter[] | undefined;
    for (const list of this.#groups.values()) if (!largest || list.length > largest.length) largest = list;
    const mine = this.#groups.get(group)?.length ?? 0;
    if (!largest || largest.length <= mine + 1) return false;
    const victim = largest[largest.length - 1]!;
    this.#remove(victim);
    victim.refuse('displaced');
    return true;
  }

  /** Takes a waiting job out of the line (deadline, displaced); false when it is no longer waiting. */
  #remove(waiter: Waiter): boolean {
    const list = this.#groups.get(waiter.ticket.group);
    const at = list?.indexOf(waiter) ?? -1;
    if (!list || at === -1) return false;
    list.splice(at, 1);
    if (list.length === 0) this.#groups.delete(waiter.ticket.group);
    this.#waiting--;
    this.#o.clearTimer(waiter.timer);
    return true;
  }
}
