/** Reconnect delays: exponential with full jitter, so a crowd of clients does not return in step. */
export interface BackoffOptions {
  /** First delay ceiling in ms (default 500). */
  baseMs?: number;
  /** Largest delay in ms (default 30 000). */
  maxMs?: number;
  /** Random source in [0, 1) (default Math.random); injectable for tests. */
  random?: () => number;
  /** Clock in ms (default performance.now); injectable for tests. */
  now?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  // Never below a quarter of the base, so a flapping link still gets a pause.
  return Math.max(base / 4, Math.floor(random() * ceiling));
}

interface ReconnectingClient {
  options: { reconnectPeriod?: number };
  on(event: 'connect' | 'close' | 'reconnect', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error & { code?: unknown }) => void): unknown;
}

/** An attempt that failed this fast never reached anyone: nothing listens, or there is no network. */
const INSTANT_FAILURE_MS = 100;
/** After a CONNACK that says "server unavailable" (our broker's per-address connection cap): wait this long at least. */
const REFUSED_PAUSE_MS = 10_000;

/**
 * mqtt.js reconnects after a fixed `reconnectPeriod`. This re-arms that period before each
 * attempt with a growing, jittered delay, and resets it once a connection succeeds. Two cases
 * differ: an attempt that failed at once (refused where it started: no network, nothing
 * listening) costs nothing on the wire, so the next comes after about one base delay, which is
 * what lets a client notice within a fraction of a second that the link or a restarted broker
 * is back; a broker that answers "server unavailable" (too many attempts from this address) is
 * left alone for 10–20 s, so retrying cannot keep the cap closed.
 */
export function useBackoff(client: ReconnectingClient, options: BackoffOptions = {}): void {
  const base = options.baseMs ?? 500;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => performance.now());
  let attempt = 0;
  let startedAt = now();
  let refused = false;
  client.options.reconnectPeriod = backoffDelay(0, options);
  client.on('reconnect', () => {
    startedAt = now();
    refused = false;
  });
  client.on('error', (err) => {
    if (err.code === 3) refused = true;
  });
  client.on('connect', () => {
    attempt = 0;
    client.options.reconnectPeriod = backoffDelay(0, options);
  });
  client.on('close', () => {
    if (refused) client.options.reconnectPeriod = REFUSED_PAUSE_MS * (1 + random());
    else if (now() - startedAt < INSTANT_FAILURE_MS) client.options.reconnectPeriod = Math.round(base * (0.8 + 0.4 * random()));
    else client.options.reconnectPeriod = backoffDelay(attempt++, options);
  });
}

/**
 * mqtt.js leaves Nagle's algorithm on for TCP and TLS, which holds each small request up to
 * ~40 ms waiting for the peer's delayed ACK. Turn it off on every (re)connect. WebSocket
 * streams (browsers, ws) have no such switch and need none: ws disables Nagle itself.
 */
export function useNoDelay(client: { stream?: unknown; on(event: 'connect', listener: () => void): unknown }): void {
  const apply = () => (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  apply();
  client.on('connect', apply);
}
