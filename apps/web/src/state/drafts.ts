import { TEXT_MAX } from '@tidings/protocol';
import type { KeyValue } from './storage.js';

/** Drafts kept at most (the most recently typed in); a new one beyond this drops the oldest. */
export const DRAFTS_MAX = 50;

/**
 * Unsent text per conversation, kept across reloads: one storage key per draft
 * (`<prefix><ref>`, holding `<time typed> <text>`) so a keystroke writes only its own draft.
 * Each is cut to TEXT_MAX characters; an empty draft is removed (and so is a sent one).
 */
export class Drafts {
  constructor(
    readonly kv: KeyValue,
    readonly prefix: string,
    readonly now = Date.now,
  ) {}

  get(ref: string): string {
    const v = this.kv.get(this.prefix + ref);
    return v ? v.slice(v.indexOf(' ') + 1) : '';
  }

  set(ref: string, text: string): void {
    const key = this.prefix + ref;
    if (!text) return this.kv.remove(key);
    if (this.kv.get(key) === null) {
      const keys = this.kv.keys().filter((k) => k.startsWith(this.prefix));
      // oldest first: drop until there is room for this one
      keys.sort((a, b) => parseInt(this.kv.get(a) ?? '0') - parseInt(this.kv.get(b) ?? '0'));
      for (const k of keys.slice(0, Math.max(0, keys.length - DRAFTS_MAX + 1))) this.kv.remove(k);
    }
    this.kv.set(key, `${this.now()} ${text.length > TEXT_MAX ? [...text].slice(0, TEXT_MAX).join('') : text}`);
  }
}
