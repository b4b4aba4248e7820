/** The hasher shape of auth and security-questions. */
export interface Hasher {
  hash(secret: string): Promise<string>;
  verify(storedHash: string, secret: string): Promise<boolean>;
}

export interface HeldCall {
  kind: 'hash' | 'verify';
  secret: string;
}

/**
 * A hasher whose calls wait until the test lets them through: deterministic tests of what waits
 * for a hash (the services' hash line) without any timing. Each call is held until released, then
 * runs on `inner`. `open()` lets every held and later call through.
 */
export interface GatedHasher {
  hasher: Hasher;
  /** Calls begun and not yet released, oldest first. */
  held(): HeldCall[];
  /** Calls begun so far, in order (released or not). */
  calls(): HeldCall[];
  /** Resolves once at least `n` calls are held. */
  waitForHeld(n: number): Promise<void>;
  /** Lets the oldest held call through (the first matching `which`, when given); false when none is held. */
  release(which?: (call: HeldCall) => boolean): boolean;
  /** Lets every held call through, and holds none from now on. */
  open(): void;
  /** Holds calls again. */
  close(): void;
}

export function gatedHasher(inner: Hasher): GatedHasher {
  const held: { call: HeldCall; go: () => void }[] = [];
  const calls: HeldCall[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  let isOpen = false;
  const notify = () => {
    const ready = waiters.filter((w) => held.length >= w.n);
    waiters = waiters.filter((w) => held.length < w.n);
    for (const w of ready) w.resolve();
  };
  function gate<T>(call: HeldCall, run: () => Promise<T>): Promise<T> {
    calls.push(call);
    if (isOpen) return run();
    return new Promise<T>((resolve, reject) => {
      held.push({ call, go: () => void run().then(resolve, reject) });
      notify();
    });
  }
  return {
    hasher: {
      hash: (secret) => gate({ kind: 'hash', secret }, () => inner.hash(secret)),
      verify: (stored, secret) => gate({ kind: 'verify', secret }, () => inner.verify(stored, secret)),
    },
    held: () => held.map((h) => h.call),
    calls: () => [...calls],
    waitForHeld: (n) => (held.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    release(which) {
      const at = which ? held.findIndex((h) => which(h.call)) : 0;
      const entry = at >= 0 ? held.splice(at, 1)[0] : undefined;
      entry?.go();
      return entry !== undefined;
    },
    open() {
      isOpen = true;
      for (const h of held.splice(0)) h.go();
    },
    close() {
      isOpen = false;
    },
  };
}
