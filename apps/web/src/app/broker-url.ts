/**
 * Where the broker's WebSocket is: the page's own origin, at `mqtt` next to the page
 * (`ws://host/mqtt` for a page at `/`). `?broker=ws://…` points elsewhere, but only in the dev
 * server or on a page served from this machine: on a real site a link carrying `?broker=`
 * could otherwise send the stored session token to someone else's broker.
 */
export function brokerUrl(location: Pick<Location, 'href' | 'search' | 'hostname' | 'protocol'>, dev: boolean): string {
  const override = new URLSearchParams(location.search).get('broker');
  if (override && /^wss?:\/\/[^\s]+$/.test(override) && (dev || isLoopback(location.hostname))) return override;
  const url = new URL('mqtt', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.toString();
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
