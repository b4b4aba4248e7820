/**
 * The interval timer mqtt.js uses for its keepalive. mqtt.js's own browser default runs a
 * worker built from a `blob:` URL, which a strict Content-Security-Policy (`script-src 'self'`)
 * refuses; this one loads the worker from a file of our own origin instead, and falls back to
 * the page's timers when workers are unavailable.
 */
export interface IntervalTimer {
  set(fn: () => void, ms: number): number;
  clear(id: number): void;
}

export function createWorkerTimer(): IntervalTimer {
  const active = new Map<number, { fn: () => void; ms: number; native?: ReturnType<typeof setInterval> }>();
  let nextId = 1;
  let worker: Worker | null = null;

  const useNative = () => {
    worker?.terminate();
    worker = null;
    for (const t of active.values()) if (t.native === undefined) t.native = setInterval(t.fn, t.ms);
  };

  try {
    worker = new Worker(new URL('./timer.worker.ts', import.meta.url));
    worker.onmessage = (event: MessageEvent<number>) => active.get(event.data)?.fn();
    worker.onerror = useNative;
  } catch {
    worker = null;
  }

  return {
    set(fn, ms) {
      const id = nextId++;
      const t: { fn: () => void; ms: number; native?: ReturnType<typeof setInterval> } = { fn, ms };
      active.set(id, t);
      if (worker) worker.postMessage({ op: 'set', id, ms });
      else t.native = setInterval(fn, ms);
      return id;
    },
    clear(id) {
      const t = active.get(id);
      if (!t) return;
      active.delete(id);
      if (t.native !== undefined) clearInterval(t.native);
      else worker?.postMessage({ op: 'clear', id });
    },
  };
}
