import { REACTIONS, type ConversationEvent, type Message, type ReactionCounts, type ReactionEmoji } from '@tidings/protocol';

/** Whether two reaction summaries (absent = none) hold the same counts. */
export function sameCounts(a: ReactionCounts | undefined, b: ReactionCounts | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => (a as Record<string, number>)[k] === (b as Record<string, number> | undefined)?.[k]);
}

/**
 * What a client holds of one conversation: messages by sequence number, merged from history
 * pages and live events in any order, each exactly once. `high` is the contiguous high-water
 * mark — every message from the first one held up to `high` is here — so after a reconnect
 * the client asks for `after: high` and ends with every message exactly once, in order, even
 * when queued live events arrived before the gap was filled.
 */
export class ConversationLog {
  readonly #messages = new Map<number, Message>();
  #low = 0; // lowest sequence number held (0 = none)
  #high = 0; // contiguous high-water mark
  #lastSeq = 0; // highest sequence number the server is known to have

  /** The contiguous high-water mark: ask history `after` this after a reconnect. */
  get high(): number {
    return this.#high;
  }

  /** The lowest sequence number held: ask history `before` this to page back. */
  get low(): number {
    return this.#low;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** True when messages are known to exist after `high` that are not held yet. */
  get hasGap(): boolean {
    return this.#lastSeq > this.#high;
  }

  get size(): number {
    return this.#messages.size;
  }

  /** Held messages, ascending. */
  messages(): Message[] {
    return [...this.#messages.values()].sort((a, b) => a.s - b.s);
  }

  get(seq: number): Message | undefined {
    return this.#messages.get(seq);
  }

  /** Merges a history page (any direction). */
  addHistory(messages: readonly Message[], lastSeq?: number): void {
    for (const m of messages) this.#put(m);
    if (lastSeq !== undefined) this.#lastSeq = Math.max(this.#lastSeq, lastSeq);
    this.#advance();
  }

  /**
   * Applies a live event; returns false when it changed nothing (a duplicate, or not about
   * messages). `me`, the user this log is for, lets a reaction event given on another of their
   * devices update their own reactions (`my`).
   */
  apply(event: ConversationEvent, me?: string): boolean {
    switch (event.t) {
      case 'm': {
        if (this.#messages.has(event.s)) return false;
        const { t: _t, c: _c, ...message } = event;
        this.#put(message);
        this.#lastSeq = Math.max(this.#lastSeq, event.s);
        this.#advance();
        if (message.ev?.k === 'remove') this.#removed(message.ev.s, message.u);
        return true;
      }
      case 'e': {
        const m = this.#messages.get(event.s);
        if (!m || (m.ed !== undefined && m.ed >= event.ed)) return false;
        this.#messages.set(event.s, { ...m, x: event.x, ed: event.ed });
        return true;
      }
      case 'd': {
        const m = this.#messages.get(event.s);
        if (!m || m.del) return false;
        const { ed: _ed, rx: _rx, my: _my, ...rest } = m;
        this.#messages.set(event.s, { ...rest, x: '', del: true });
        return true;
      }
      case 'r': {
        const m = this.#messages.get(event.s);
        if (!m || m.del) return false;
        let my = m.my ?? [];
        if (me !== undefined && event.u === me) {
          my = event.on ? (my.includes(event.e) ? my : REACTIONS.filter((r) => r === event.e || my.includes(r))) : my.filter((r) => r !== event.e);
        }
        if (sameCounts(m.rx, event.rx) && my.length === (m.my?.length ?? 0)) return false;
        const { rx: _rx, my: _my, ...rest } = m;
        this.#messages.set(event.s, { ...rest, ...(Object.keys(event.rx).length > 0 ? { rx: event.rx } : {}), ...(my.length > 0 ? { my } : {}) });
        return true;
      }
      default:
        return false;
    }
  }

  /** Records the answer to the caller's own reaction.add/remove: the message's reactions and the caller's own. */
  setReactions(seq: number, rx: ReactionCounts, my: readonly ReactionEmoji[]): void {
    const m = this.#messages.get(seq);
    if (!m || m.del) return;
    const { rx: _rx, my: _my, ...rest } = m;
    this.#messages.set(seq, { ...rest, ...(Object.keys(rx).length > 0 ? { rx } : {}), ...(my.length > 0 ? { my: [...my] } : {}) });
  }

  /**
   * A moderator removed message `s` (a `remove` room event): it is a tombstone that says who
   * removed it, as history would return it. The `d` event may come before or after the event.
   */
  #removed(s: number, by: string): void {
    const m = this.#messages.get(s);
    if (!m || m.rb !== undefined) return;
    const { ed: _ed, rx: _rx, my: _my, ...rest } = m;
    this.#messages.set(s, { ...rest, x: '', del: true, rb: by });
  }

  #put(m: Message): void {
    const held = this.#messages.get(m.s);
    // history is authoritative for reactions and edits; never resurrect a deleted message
    if (held?.del && !m.del) return;
    if (held && (held.ed ?? 0) > (m.ed ?? 0)) {
      // a page fetched before an edit we already hold: keep the newer text, take the rest
      this.#messages.set(m.s, { ...held, ...m, x: held.x, ed: held.ed! });
    } else {
      this.#messages.set(m.s, held ? { ...held, ...m } : m);
    }
    if (this.#low === 0 || m.s < this.#low) {
      this.#low = m.s;
      if (this.#high < this.#low - 1 || this.#high === 0) this.#high = this.#low - 1;
    }
  }

  #advance(): void {
    while (this.#messages.has(this.#high + 1)) this.#high++;
  }
}
