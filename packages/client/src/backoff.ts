/** Reconnect delays: exponential with full jitter, so a crowd of clients does not return in step. */
export interface BackoffOptions {
  /** First delay ceiling in ms (default 500). */
  baseMs?: number;
  /** Largest delay in ms (default 30 000). */
  maxMs?: number;
  /** Random source in [0, 1) (default Math.random); injectable for tests. */
  random?: () => number;
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
  on(event: 'connect' | 'close', listener: () => void): unknown;
}

/**
 * mqtt.js reconnects after a fixed `reconnectPeriod`. This re-arms that period before each
 * attempt with a growing, jittered delay, and resets it once a connection succeeds.
 */
export function useBackoff(client: ReconnectingClient, options: BackoffOptions = {}): void {
  let attempt = 0;
  client.options.reconnectPeriod = backoffDelay(0, options);
  client.on('connect', () => {
    attempt = 0;
    client.options.reconnectPeriod = backoffDelay(0, options);
  });
  client.on('close', () => {
    client.options.reconnectPeriod = backoffDelay(attempt++, options);
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
