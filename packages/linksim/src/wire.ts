/** Bytes waiting to go on the wire, in order, without copying until a segment spans chunks. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  bytes = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Up to `max` bytes from the front (all of them when max is Infinity). */
  take(max: number): Buffer {
    const parts: Buffer[] = [];
    let n = 0;
    while (this.head < this.chunks.length && n < max) {
      const c = this.chunks[this.head]!;
      if (n + c.length <= max) {
        parts.push(c);
        n += c.length;
        this.head += 1;
      } else {
        parts.push(c.subarray(0, max - n));
        this.chunks[this.head] = c.subarray(max - n);
        n = max;
      }
    }
    this.bytes -= n;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
  }
}

/** One direction of one connection, as the wire sees it. */
export interface WireFlow {
  readonly queue: ByteQueue;
  /** Nothing of this flow enters the wire before this time (the TCP handshake). */
  gate: number;
  /** When the flow last went from nothing to send to something to send. */
  readySince: number;
  /** In the wire's round-robin list. */
  inReady: boolean;
  /** The source sent its FIN; it travels after the data. */
  ended: boolean;
  finSent: boolean;
  /** Cut or aborted: whatever of it is still queued or in flight is dropped. */
  readonly dead: boolean;
  /** Stuck (a stall): nothing of it enters the wire or arrives until it is released. */
  held: boolean;
  deliver(data: Buffer): void;
  deliverEnd(): void;
}

export interface WireConditions {
  readonly delayMs: number;
  /** Bits/s, or null for unlimited. */
  readonly bps: number | null;
  readonly segmentBytes: number;
  readonly segmentOverhead: number;
}

export interface Timers {
  /** null once the link is closing: nothing is scheduled any more. */
  later(ms: number, fn: () => void): NodeJS.Timeout | null;
  cancel(timer: NodeJS.Timeout | null): void;
}

interface InFlight {
  readonly flow: WireFlow;
  /** null: the FIN. */
  readonly data: Buffer | null;
  arriveAt: number;
  /** Taken off the wire while its flow is held (parked, to arrive after the release). */
  parked?: boolean;
}

const hasWork = (f: WireFlow) => !f.dead && (f.queue.bytes > 0 || (f.ended && !f.finSent));

/**
 * One direction of a link: a single FIFO wire shared by every connection. Flows take turns a
 * segment at a time (round robin); a segment occupies the wire for its bytes plus the header
 * overhead at the link's rate, then arrives `delayMs` later. Arrivals never overtake each other.
 * One timer at a time, set for the next thing due.
 */
export class Wire {
  private ready: WireFlow[] = [];
  private inflight: InFlight[] = [];
  private inflightHead = 0;
  /** The wire is busy transmitting until then. */
  private freeAt = 0;
  private lastArrive = 0;
  private closed = false;
  /** Segments of held flows that were on their way, with the time each still had to travel. */
  private parked = new Map<WireFlow, { data: Buffer | null; remaining: number }[]>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly now: () => number,
    private readonly conditions: () => WireConditions,
    private readonly timers: Timers,
  ) {}

  /** The flow has something new to send. */
  offer(flow: WireFlow): void {
    if (!flow.inReady) {
      flow.inReady = true;
      flow.readySince = this.now();
      this.ready.push(flow);
    }
    this.pump();
  }

  /**
   * Stop these flows in place (a stuck connection): what they have in flight waits where it is,
   * nothing more of theirs goes on the wire, everyone else's goes on as before.
   */
  hold(flows: readonly WireFlow[]): void {
    const now = this.now();
    const set = new Set(flows);
    for (const f of flows) f.held = true;
    for (let i = this.inflightHead; i < this.inflight.length; i++) {
      const seg = this.inflight[i]!;
      if (seg.parked || !set.has(seg.flow)) continue;
      seg.parked = true;
      const list = this.parked.get(seg.flow) ?? [];
      list.push({ data: seg.data, remaining: Math.max(0, seg.arriveAt - now) });
      this.parked.set(seg.flow, list);
    }
    this.pump();
  }

  /** Let held flows go on: what was in flight arrives as late as the hold lasted. */
  release(flows: readonly WireFlow[]): void {
    const now = this.now();
    for (const f of flows) {
      f.held = false;
      f.readySince = Math.max(f.readySince, now); // nothing of it left while it was held
      for (const p of this.parked.get(f) ?? []) this.insert({ flow: f, data: p.data, arriveAt: now + p.remaining });
      this.parked.delete(f);
    }
    this.pump();
  }

  /** Puts a segment among those in flight, in arrival order. */
  private insert(seg: InFlight): void {
    let lo = this.inflightHead;
    let hi = this.inflight.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.inflight[mid]!.arriveAt <= seg.arriveAt) lo = mid + 1;
      else hi = mid;
    }
    this.inflight.splice(lo, 0, seg);
  }

  close(): void {
    this.closed = true;
    this.parked.clear();
    this.timers.cancel(this.timer);
    this.timer = null;
    this.ready = [];
    this.inflight = [];
    this.inflightHead = 0;
  }

  pump(): void {
    if (this.closed) return;
    const now = this.now();
    const { delayMs, bps, segmentBytes, segmentOverhead } = this.conditions();
    this.deliverDue(now);
    while (this.freeAt <= now) {
      const flow = this.pick(now);
      if (!flow) break;
      // A late timer must not slow the link down: the next segment starts when the wire became free,
      // unless its data came later than that.
      const start = Math.max(this.freeAt, flow.readySince, flow.gate);
      let data: Buffer | null = null;
      if (flow.queue.bytes > 0) data = flow.queue.take(bps === null ? Infinity : segmentBytes);
      else flow.finSent = true;
      const txMs = bps === null ? 0 : (((data?.length ?? 0) + segmentOverhead) * 8_000) / bps;
      this.freeAt = start + txMs;
      this.lastArrive = Math.max(this.freeAt + delayMs, this.lastArrive);
      this.inflight.push({ flow, data, arriveAt: this.lastArrive });
      if (hasWork(flow)) {
        flow.inReady = true;
        this.ready.push(flow);
      }
    }
    this.deliverDue(now);
    this.arm(now);
  }

  /** The next flow in turn that may send now; flows with nothing to send leave the list. */
  private pick(now: number): WireFlow | null {
    for (let n = this.ready.length; n > 0; n--) {
      const f = this.ready.shift()!;
      if (!hasWork(f)) {
        f.inReady = false;
        continue;
      }
      if (f.gate > now || f.held) {
        this.ready.push(f);
        continue;
      }
      f.inReady = false;
      return f;
    }
    return null;
  }

  private deliverDue(now: number): void {
    while (this.inflightHead < this.inflight.length) {
      const seg = this.inflight[this.inflightHead]!;
      if (seg.arriveAt > now) break;
      this.inflightHead += 1;
      if (seg.flow.dead || seg.parked) continue;
      if (seg.data) seg.flow.deliver(seg.data);
      else seg.flow.deliverEnd();
      if (this.closed) return; // a listener closed the link
    }
    if (this.inflightHead === this.inflight.length) {
      this.inflight = [];
      this.inflightHead = 0;
    } else if (this.inflightHead > 256 && this.inflightHead * 2 > this.inflight.length) {
      this.inflight = this.inflight.slice(this.inflightHead);
      this.inflightHead = 0;
    }
  }

  private arm(now: number): void {
    let at = this.inflight[this.inflightHead]?.arriveAt ?? Infinity;
    if (this.ready.length > 0) {
      if (this.freeAt > now) at = Math.min(at, this.freeAt);
      else for (const f of this.ready) if (!f.held) at = Math.min(at, f.gate);
    }
    if (at === Infinity) return;
    if (this.timer && this.timerAt <= at) return; // an earlier wake-up re-arms
    this.timers.cancel(this.timer);
    this.timerAt = at;
    // Timers may fire a little early: pump() compares with the clock and sets another one.
    this.timer = this.timers.later(Math.max(1, Math.ceil(at - now)), () => {
      this.timer = null;
      this.timerAt = Infinity;
      this.pump();
    });
  }
}
