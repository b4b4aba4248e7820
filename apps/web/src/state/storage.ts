/**
 * A small synchronous key/value store: `localStorage` in the browser, a Map in tests.
 * Writes never throw: a full or disabled storage (private mode, quota) only loses the cache.
 */
export interface KeyValue {
  get(key: string): string | null;
  /** Returns false when the value could not be stored. */
  set(key: string, value: string): boolean;
  remove(key: string): void;
  keys(): string[];
}

export function browserStore(storage: Storage): KeyValue {
  return {
    get: (key) => {
      try {
        return storage.getItem(key);
      } catch {
        return null;
      }
    },
    set: (key, value) => {
      try {
        storage.setItem(key, value);
        return true;
      } catch {
        return false;
      }
    },
    remove: (key) => {
      try {
        storage.removeItem(key);
      } catch {
        // nothing to do: the value is gone or was never there
      }
    },
    keys: () => {
      const out: string[] = [];
      try {
        for (let i = 0; i < storage.length; i++) {
          const k = storage.key(i);
          if (k !== null) out.push(k);
        }
      } catch {
        // unreadable storage holds nothing for us
      }
      return out;
    },
  };
}

/** An in-memory store (tests, or a browser without storage). `data` is shared, so two stores over the same Map act like a reload. */
export function memoryStore(data: Map<string, string> = new Map()): KeyValue & { data: Map<string, string> } {
  return {
    data,
    get: (key) => data.get(key) ?? null,
    set: (key, value) => {
      data.set(key, value);
      return true;
    },
    remove: (key) => void data.delete(key),
    keys: () => [...data.keys()],
  };
}

/** Parses a stored JSON value; null when missing or unreadable. */
export function readJson(kv: KeyValue, key: string): unknown {
  const raw = kv.get(key);
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

export function writeJson(kv: KeyValue, key: string, value: unknown): boolean {
  return kv.set(key, JSON.stringify(value));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
