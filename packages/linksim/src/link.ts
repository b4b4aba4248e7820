import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LinkError } from './errors.js';
import { bandwidthLimit, profiles, validateProfile, type LinkProfile } from './profiles.js';
import { scheduleOf, type ScheduledEvent } from './schedule.js';
import { ByteQueue, Wire, type Timers, type WireConditions, type WireFlow } from './wire.js';

export interface LinkOptions {
  /** Where every connection through the link goes. Host defaults to 127.0.0.1. */
  readonly target: { readonly host?: string; readonly port: number };
  /** Default: profiles.none. */
  readonly profile?: LinkProfile;
  /** Seeds the cut intervals; default: random (read it back from `link.seed`). */
  readonly seed?: number;
  /** Where the link listens; default 127.0.0.1, port 0 (any free port). */
  readonly host?: string;
  readonly port?: number;
  /** Per connection and direction, the bytes the simulator holds before it stops reading the sender. Default 64 KiB. */
  readonly bufferBytes?: number;
  /** A new connection's first bytes wait for the TCP handshake (3 × delay up, 2 × delay down). Default true. */
  readonly handshake?: boolean;
  /** Largest segment payload. Default 1460 (Ethernet MTU minus IPv4 and TCP headers). */
  readonly segmentBytes?: number;
  /** Header bytes per segment, counted in the wire's time only. Default 40 (IPv4 + TCP). */
  readonly segmentOverhead?: number;
}

export interface LinkStats {
  /** Payload bytes the clients sent into the link (client → target). */
  readonly up: number;
  /** Payload bytes the target sent into the link (target → client). */
  readonly down: number;
  /** Connections accepted and forwarded to the target. */
  readonly accepted: number;
  /** Connections refused during an outage or while offline. */
  readonly refused: number;
  /** Connections through the link now. */
  readonly open: number;
  /** Cut events (scheduled or cut()). */
  readonly cuts: number;
  /** Connections closed by cuts and outage starts. */
  readonly connectionsCut: number;
  readonly stalls: number;
  readonly outages: number;
  /** Bytes held by the simulator now (queued, in flight, or not yet flushed to the receiver). */
  readonly queuedBytes: number;
}

/** Every event carries `atMs`, the time since the link started. */
export interface LinkEvents {
  connect: { type: 'connect'; atMs: number; id: number };
  /** A connection through the link is gone; its payload bytes each way. */
  close: { type: 'close'; atMs: number; id: number; up: number; down: number };
  refused: { type: 'refused'; atMs: number; id: number };
  cut: { type: 'cut'; atMs: number; connections: number };
  'stall-start': { type: 'stall-start'; atMs: number; durationMs: number; connections: number };
  'stall-end': { type: 'stall-end'; atMs: number; durationMs: number };
  /** durationMs null: until setOffline(false). */
  'outage-start': { type: 'outage-start'; atMs: number; durationMs: number | null; connections: number };
  'outage-end': { type: 'outage-end'; atMs: number };
  profile: { type: 'profile'; atMs: number; profile: LinkProfile };
}
export type LinkEventType = keyof LinkEvents;
export type LinkEvent = LinkEvents[LinkEventType];
type Listener<K extends LinkEventType | 'event'> = (e: K extends LinkEventType ? LinkEvents[K] : LinkEvent) => void;

export interface Link {
  readonly host: string;
  readonly port: number;
  readonly seed: number;
  readonly profile: LinkProfile;
  /** A snapshot of the counters. */
  readonly stats: LinkStats;
  /**
   * The profile's impairments, past and planned (drawn at least ten minutes ahead), `atMs` after
   * the link started. setProfile drops what had not happened yet and plans the new profile's.
   */
  readonly schedule: readonly ScheduledEvent[];
  /** Milliseconds since the link started: the clock of every event and of `schedule`. */
  elapsedMs(): number;
  /** Listen to one event type, or to all of them with 'event'. */
  on<K extends LinkEventType | 'event'>(type: K, listener: Listener<K>): this;
  once<K extends LinkEventType | 'event'>(type: K, listener: Listener<K>): this;
  off<K extends LinkEventType | 'event'>(type: K, listener: Listener<K>): this;
  /** Cut every open connection now. */
  cut(): void;
  /**
   * The connections open now get stuck for `ms` (extends a stall under way): nothing of theirs
   * moves either way and none is closed; connections opened meanwhile go through.
   */
  stall(ms: number): void;
  /** Cut every open connection and refuse new ones for `ms` (extends an outage under way). */
  outage(ms: number): void;
  /** true: an outage until set back to false. */
  setOffline(offline: boolean): void;
  /** New conditions from now on; the profile's schedule restarts now. */
  setProfile(profile: LinkProfile): void;
  /** Resolves when no connection is open through the link. */
  idle(): Promise<void>;
  /** Stops every timer, socket and the listener. */
  close(): Promise<void>;
}

const PLAN_AHEAD_MS = 600_000;
const PLAN_AHEAD_MAX_EVENTS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function createLink(options: LinkOptions): Promise<Link> {
  const link = new LinkImpl(options);
  await link.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return link;
}

/** Reset (RST) a TCP socket, as a peer that lost the connection's state would. */
function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) {
    socket.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function checkMs(ms: unknown, what: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new LinkError('INVALID_ARGUMENT', `${what} must be a positive finite number of ms, got ${String(ms)}`);
  }
  return ms;
}

function checkInteger(v: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new LinkError('INVALID_ARGUMENT', `${what} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

class Flow implements WireFlow {
  readonly queue = new ByteQueue();
  gate = 0;
  readySince = 0;
  inReady = false;
  ended = false;
  finSent = false;
  held = false;
  /** Bytes taken from the source and not yet flushed to the destination. */
  pending = 0;
  paused = false;

  constructor(
    readonly conn: Conn,
    readonly source: net.Socket,
    readonly dest: net.Socket,
    readonly wire: Wire,
    private readonly bufferBytes: number,
  ) {}

  get dead(): boolean {
    return this.conn.dead;
  }

  take(chunk: Buffer): void {
    this.pending += chunk.length;
    this.queue.push(chunk);
    if (this.pending > this.bufferBytes && !this.paused) {
      this.paused = true;
      this.source.pause();
    }
    this.wire.offer(this);
  }

  deliver(data: Buffer): void {
    if (!this.dest.writable) {
      this.release(data.length);
      return;
    }
    this.dest.write(data, () => this.release(data.length));
  }

  deliverEnd(): void {
    if (this.dest.writable) this.dest.end();
  }

  private release(n: number): void {
    this.pending -= n;
    if (this.paused && this.pending <= this.bufferBytes / 2 && !this.dead) {
      this.paused = false;
      this.source.resume();
    }
  }
}

class Conn {
  dead = false;
  up!: Flow;
  down!: Flow;
  bytesUp = 0;
  bytesDown = 0;
  socketsClosed = 0;
  constructor(
    readonly id: number,
    readonly client: net.Socket,
    readonly upstream: net.Socket,
  ) {}
}

class LinkImpl implements Link {
  host = '';
  port = 0;
  readonly seed: number;
  profile: LinkProfile;
  private readonly target: { host: string; port: number };
  private readonly bufferBytes: number;
  private readonly handshake: boolean;
  private readonly segmentBytes: number;
  private readonly segmentOverhead: number;
  private startedAt = performance.now();
  private readonly server: net.Server;
  private readonly events = new EventEmitter();
  private readonly timerSet = new Set<NodeJS.Timeout>();
  private readonly timers: Timers;
  private readonly upWire: Wire;
  private readonly downWire: Wire;
  private readonly conns = new Set<Conn>();
  private readonly refusedSockets = new Set<net.Socket>();
  private idleWaiters: (() => void)[] = [];
  private nextId = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private counters = { up: 0, down: 0, accepted: 0, refused: 0, cuts: 0, connectionsCut: 0, stalls: 0, outages: 0 };

  private plan: ScheduledEvent[] = [];
  private fired = 0;
  private planner: Iterator<ScheduledEvent> | null = null;
  private planTimer: NodeJS.Timeout | null = null;

  private stalledSince: number | null = null;
  /** The connections a stall under way holds. */
  private stuck: Conn[] = [];
  private stallUntil = 0;
  private stallTimer: NodeJS.Timeout | null = null;
  private outageActive = false;
  private outageUntil = 0;
  private outageTimer: NodeJS.Timeout | null = null;
  private offline = false;
  private refusing = false;

  constructor(options: LinkOptions) {
    const profile = options.profile ?? profiles.none;
    validateProfile(profile);
    this.profile = profile;
    this.target = {
      host: options.target.host ?? '127.0.0.1',
      port: checkInteger(options.target.port, 'target.port', 1, 65_535),
    };
    if (options.port !== undefined) checkInteger(options.port, 'port', 0, 65_535);
    this.seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : checkInteger(options.seed, 'seed', 0, 2 ** 32 - 1);
    this.bufferBytes = checkInteger(options.bufferBytes ?? 65_536, 'bufferBytes', 1);
    this.segmentBytes = checkInteger(options.segmentBytes ?? 1_460, 'segmentBytes', 1);
    this.segmentOverhead = checkInteger(options.segmentOverhead ?? 40, 'segmentOverhead', 0);
    this.handshake = options.handshake ?? true;

    this.timers = {
      later: (ms, fn) => {
        if (this.closed) return null;
        const t = setTimeout(
          () => {
            this.timerSet.delete(t);
            fn();
          },
          Math.min(Math.max(0, ms), MAX_TIMER_MS),
        );
        this.timerSet.add(t);
        return t;
      },
      cancel: (t) => {
        if (t === null) return;
        clearTimeout(t);
        this.timerSet.delete(t);
      },
    };
    const now = () => performance.now();
    const conditions = (): WireConditions => ({
      delayMs: this.profile.delayMs,
      bps: bandwidthLimit(this.profile),
      segmentBytes: this.segmentBytes,
      segmentOverhead: this.segmentOverhead,
    });
    this.upWire = new Wire(now, conditions, this.timers);
    this.downWire = new Wire(now, conditions, this.timers);
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as net.AddressInfo;
        this.host = address.address;
        this.port = address.port;
        this.startedAt = performance.now();
        this.startProfile(0);
        resolve();
      });
    });
  }

  get stats(): LinkStats {
    let queuedBytes = 0;
    for (const c of this.conns) if (!c.dead) queuedBytes += c.up.pending + c.down.pending;
    return { ...this.counters, open: this.conns.size, queuedBytes };
  }

  get schedule(): readonly ScheduledEvent[] {
    return [...this.plan];
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  on<K extends LinkEventType | 'event'>(type: K, listener: Listener<K>): this {
    this.events.on(type, listener);
    return this;
  }

  once<K extends LinkEventType | 'event'>(type: K, listener: Listener<K>): this {
    this.events.once(type, listener);
    return this;
  }

  off<K extends LinkEventType | 'event'>(type: K, listener: Listener<K>): this {
    this.events.off(type, listener);
    return this;
  }

  cut(): void {
    this.ensureOpen();
    this.doCut();
  }

  stall(ms: number): void {
    checkMs(ms, 'stall duration');
    this.ensureOpen();
    this.startStall(ms);
  }

  outage(ms: number): void {
    checkMs(ms, 'outage duration');
    this.ensureOpen();
    this.startOutage(ms);
  }

  setOffline(offline: boolean): void {
    if (typeof offline !== 'boolean') throw new LinkError('INVALID_ARGUMENT', 'setOffline takes true or false');
    this.ensureOpen();
    this.offline = offline;
    this.updateRefusing(null);
  }

  setProfile(profile: LinkProfile): void {
    validateProfile(profile);
    this.ensureOpen();
    this.profile = profile;
    this.startProfile(Math.round(this.elapsedMs()));
    this.emit({ type: 'profile', atMs: this.elapsedMs(), profile });
    this.upWire.pump();
    this.downWire.pump();
  }

  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      for (const t of this.timerSet) clearTimeout(t);
      this.timerSet.clear();
      this.upWire.close();
      this.downWire.close();
      const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const c of this.conns) {
        c.dead = true;
        c.client.destroy();
        c.upstream.destroy();
      }
      for (const s of this.refusedSockets) s.destroy();
      await Promise.all([serverClosed, this.idle()]);
    })();
    return this.closing;
  }

  private ensureOpen(): void {
    if (this.closed) throw new LinkError('CLOSED', 'the link is closed');
  }

  private emit(e: LinkEvent): void {
    this.events.emit(e.type, e);
    this.events.emit('event', e);
  }

  private now(): number {
    return performance.now();
  }

  // ── connections ────────────────────────────────────────────────────────────

  private accept(client: net.Socket): void {
    if (this.closed) {
      client.destroy();
      return;
    }
    const id = ++this.nextId;
    if (this.refusing) {
      this.refuse(client, id);
      return;
    }
    this.counters.accepted += 1;
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true, noDelay: true });
    const conn = new Conn(id, client, upstream);
    conn.up = new Flow(conn, client, upstream, this.upWire, this.bufferBytes);
    conn.down = new Flow(conn, upstream, client, this.downWire, this.bufferBytes);
    if (this.handshake) {
      // Locally the accept is instant; over the link, SYN and SYN-ACK come first.
      const now = this.now();
      conn.up.gate = now + 2 * this.profile.delayMs;
      conn.down.gate = now + this.profile.delayMs;
    }
    this.conns.add(conn);

    client.on('data', (chunk: Buffer) => {
      if (conn.dead) return;
      conn.bytesUp += chunk.length;
      this.counters.up += chunk.length;
      conn.up.take(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (conn.dead) return;
      conn.bytesDown += chunk.length;
      this.counters.down += chunk.length;
      conn.down.take(chunk);
    });
    for (const flow of [conn.up, conn.down]) {
      flow.source.on('end', () => {
        if (conn.dead) return;
        flow.ended = true;
        flow.wire.offer(flow);
      });
    }
    client.on('error', () => this.abort(conn, client, upstream));
    upstream.on('error', () => this.abort(conn, upstream, client));
    const onClose = () => {
      conn.socketsClosed += 1;
      if (conn.socketsClosed < 2) return;
      this.conns.delete(conn);
      this.emit({ type: 'close', atMs: this.elapsedMs(), id, up: conn.bytesUp, down: conn.bytesDown });
      this.checkIdle();
    };
    client.on('close', onClose);
    upstream.on('close', onClose);
    this.emit({ type: 'connect', atMs: this.elapsedMs(), id });
  }

  /**
   * Accepted (the local accept cannot be avoided), then reset at once: during an outage the
   * device has no network, and the attempt fails where it starts. An attempt is cheap then, and
   * one made right after the link returns goes through.
   */
  private refuse(client: net.Socket, id: number): void {
    this.counters.refused += 1;
    this.refusedSockets.add(client);
    client.pause();
    client.on('error', () => {});
    client.on('close', () => {
      this.refusedSockets.delete(client);
      this.checkIdle();
    });
    this.timers.later(0, () => reset(client));
    this.emit({ type: 'refused', atMs: this.elapsedMs(), id });
  }

  /** One end failed: drop what is queued, and the other end hears of it one delay later. */
  private abort(conn: Conn, failed: net.Socket, other: net.Socket): void {
    failed.destroy();
    if (conn.dead) return;
    conn.dead = true;
    other.pause();
    this.timers.later(this.profile.delayMs, () => reset(other));
  }

  /** Both ends reset: the target's at once, the client's when the news has crossed the link. */
  private cutConnection(conn: Conn): void {
    conn.dead = true;
    this.counters.connectionsCut += 1;
    reset(conn.upstream);
    conn.client.pause();
    this.timers.later(this.profile.delayMs, () => reset(conn.client));
  }

  private cutAll(): number {
    let n = 0;
    for (const c of this.conns) {
      if (c.dead) continue;
      this.cutConnection(c);
      n += 1;
    }
    return n;
  }

  private checkIdle(): void {
    if (this.conns.size > 0 || this.refusedSockets.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  // ── impairments ────────────────────────────────────────────────────────────

  private doCut(): void {
    this.counters.cuts += 1;
    const connections = this.cutAll();
    this.emit({ type: 'cut', atMs: this.elapsedMs(), connections });
  }

  /**
   * A stall: the connections open now get stuck — nothing of theirs moves either way, nothing is
   * closed — while the link itself still works: a connection opened during the stall goes
   * through. That is what a middlebox that black-holes a flow for a while does, and what a client
   * can get round by noticing and connecting again.
   */
  private startStall(ms: number): void {
    const now = this.now();
    const until = now + ms;
    if (this.stalledSince === null) {
      this.stuck = [...this.conns].filter((c) => !c.dead);
      this.upWire.hold(this.stuck.map((c) => c.up));
      this.downWire.hold(this.stuck.map((c) => c.down));
      this.stalledSince = now;
      this.counters.stalls += 1;
      this.emit({ type: 'stall-start', atMs: this.elapsedMs(), durationMs: ms, connections: this.stuck.length });
    } else if (until <= this.stallUntil) {
      return;
    }
    this.stallUntil = until;
    this.timers.cancel(this.stallTimer);
    this.stallTimer = this.timers.later(ms, () => this.endStall());
  }

  private endStall(): void {
    const since = this.stalledSince;
    if (since === null) return;
    const ms = this.now() - since;
    const stuck = this.stuck.filter((c) => !c.dead);
    this.stalledSince = null;
    this.stallTimer = null;
    this.stuck = [];
    for (const c of stuck) {
      for (const f of [c.up, c.down]) if (f.gate > since) f.gate += ms;
    }
    this.emit({ type: 'stall-end', atMs: this.elapsedMs(), durationMs: ms });
    this.upWire.release(stuck.map((c) => c.up));
    this.downWire.release(stuck.map((c) => c.down));
  }

  private startOutage(ms: number): void {
    const until = this.now() + ms;
    if (this.outageActive && until <= this.outageUntil) return;
    this.outageActive = true;
    this.outageUntil = until;
    this.timers.cancel(this.outageTimer);
    this.outageTimer = this.timers.later(ms, () => {
      this.outageTimer = null;
      this.outageActive = false;
      this.updateRefusing(null);
    });
    this.updateRefusing(ms);
  }

  private updateRefusing(durationMs: number | null): void {
    const refusing = this.offline || this.outageActive;
    if (refusing === this.refusing) return;
    this.refusing = refusing;
    if (refusing) {
      this.counters.outages += 1;
      const connections = this.cutAll();
      this.emit({
        type: 'outage-start',
        atMs: this.elapsedMs(),
        durationMs: this.offline ? null : durationMs,
        connections,
      });
    } else {
      this.emit({ type: 'outage-end', atMs: this.elapsedMs() });
    }
  }

  // ── the profile's schedule ─────────────────────────────────────────────────

  /** The current profile's impairments from `offsetMs` on; what the previous one had planned is dropped. */
  private startProfile(offsetMs: number): void {
    this.plan.length = this.fired;
    this.timers.cancel(this.planTimer);
    this.planTimer = null;
    this.planner = scheduleOf(this.profile, this.seed, offsetMs);
    this.planAhead();
    this.armPlan();
  }

  private planAhead(): void {
    const horizon = this.elapsedMs() + PLAN_AHEAD_MS;
    while (this.planner && this.plan.length - this.fired < PLAN_AHEAD_MAX_EVENTS) {
      const last = this.plan[this.plan.length - 1];
      if (last && this.plan.length > this.fired && last.atMs > horizon) break;
      const next = this.planner.next();
      if (next.done) {
        this.planner = null;
        break;
      }
      this.plan.push(next.value);
    }
  }

  private armPlan(): void {
    const next = this.plan[this.fired];
    if (!next) return;
    this.planTimer = this.timers.later(Math.max(1, Math.ceil(next.atMs - this.elapsedMs())), () => {
      this.planTimer = null;
      if (next.atMs <= this.elapsedMs()) {
        this.fired += 1;
        this.planAhead();
        if (next.kind === 'cut') this.doCut();
        else if (next.kind === 'stall') this.startStall(next.durationMs);
        else this.startOutage(next.durationMs);
      }
      if (this.planTimer === null) this.armPlan();
    });
  }
}
