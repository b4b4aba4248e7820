/// <reference lib="webworker" />
// Keepalive timers for mqtt.js, run in a dedicated worker: browsers throttle timers of hidden
// tabs (down to once a minute), which would let the broker's keepalive expire. Workers are not
// throttled that way. Served from our own origin, so `script-src 'self'` allows it.
const timers = new Map<number, ReturnType<typeof setInterval>>();

self.onmessage = (event: MessageEvent<{ op: 'set' | 'clear'; id: number; ms?: number }>) => {
  const { op, id, ms } = event.data;
  if (op === 'set')
    timers.set(
      id,
      setInterval(() => self.postMessage(id), ms ?? 1000),
    );
  else {
    clearInterval(timers.get(id));
    timers.delete(id);
  }
};
