import { useEffect, useReducer, useState } from 'preact/hooks';
import type { Emitter } from '../state/emitter.js';

/** Redraws the component whenever the emitter says something changed. */
export function useEmitter(emitter: Emitter): void {
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  useEffect(() => emitter.on(() => redraw(undefined)), [emitter]);
}

/** The current time, refreshed every `everyMs` (for "5 min ago"). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** The part of the address after `#`, kept in step with the back and forward buttons. */
export function useHash(): [string, (hash: string) => void] {
  const [hash, setHash] = useState(location.hash.slice(1));
  useEffect(() => {
    const onChange = () => setHash(location.hash.slice(1));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  const go = (next: string) => {
    if (location.hash.slice(1) !== next) location.hash = next;
    setHash(next);
  };
  return [hash, go];
}
