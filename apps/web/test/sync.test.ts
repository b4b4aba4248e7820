import { ConversationLog } from '@tidings/client';
import type { Message } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { CATCH_UP_MAX_GAP, CATCH_UP_PAGES_MAX, ChatState, fillAfter, fillsLiveGap, planCatchUp } from '../src/state/chat.js';

const msg = (s: number): Message => ({ s, u: 'bob', x: `m${s}`, at: s });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));

/** chat.history over a server holding messages 1..last, with the real cursor rules. */
function history(last: number, req: { after?: number; before?: number; limit: number }) {
  if (req.after !== undefined) {
    const messages = range(req.after + 1, Math.min(last, req.after + req.limit));
    return { messages, more: req.after + req.limit < last, lastSeq: last };
  }
  const upper = req.before ?? last + 1;
  const messages = range(Math.max(1, upper - req.limit), upper - 1);
  return { messages, more: upper - req.limit > 1, lastSeq: last };
}

describe('what to fetch after a reconnect', () => {
  it('asks for the newest page when nothing is held', () => {
    expect(planCatchUp(new ConversationLog(), 40)).toEqual({ kind: 'newest' });
  });

  it('asks for everything after the contiguous high-water mark', () => {
    const log = new ConversationLog();
    log.addHistory(range(11, 50), 50);
    expect(planCatchUp(log, 80)).toEqual({ kind: 'after', after: 50 });
  });

  it('asks even when the server seems to have nothing new, since a message may have come while unsubscribed', () => {
    const log = new ConversationLog();
    log.addHistory(range(1, 50), 50);
    expect(planCatchUp(log, 50)).toEqual({ kind: 'after', after: 50 });
  });

  it('fills from the hole, not from the newest live message, when live events came before the gap was filled', () => {
    const log = new ConversationLog();
    log.addHistory(range(1, 50), 50);
    for (const s of [60, 61]) log.apply({ t: 'm', ...msg(s) });
    expect(planCatchUp(log, 61)).toEqual({ kind: 'after', after: 50 });
  });

  it('starts afresh from the newest page when the gap is too big to be worth filling', () => {
    const log = new ConversationLog();
    log.addHistory(range(1, 50), 50);
    expect(planCatchUp(log, 50 + CATCH_UP_MAX_GAP)).toEqual({ kind: 'after', after: 50 });
    expect(planCatchUp(log, 51 + CATCH_UP_MAX_GAP)).toEqual({ kind: 'newest' });
  });

  it('ends with every message exactly once and in order after a cached reload, queued live events and paged gap-fill', () => {
    const chat = new ChatState('alice');
    chat.addPage('general', range(31, 80), 80); // what the cache held
    const conv = chat.get('general')!;
    // while away 200 more were written; the broker delivers the last few queued events first
    for (const s of [278, 279, 280, 279]) chat.applyEvent('general', { t: 'm', ...msg(s) });
    const plan = planCatchUp(conv.log, 280);
    expect(plan).toEqual({ kind: 'after', after: 80 });
    let after = plan.kind === 'after' ? plan.after : 0;
    for (let pages = 0; pages < 10; pages++) {
      const page = history(280, { after, limit: 100 });
      chat.addPage('general', page.messages, page.lastSeq);
      if (!page.more) break;
      after = conv.log.high;
    }
    const seqs = conv.log.messages().map((m) => m.s);
    expect(seqs).toEqual(range(31, 280).map((m) => m.s));
    expect(conv.log.high).toBe(280);
    // and paging back reaches the start with no duplicates
    while (conv.log.low > 1) {
      const page = history(280, { before: conv.log.low, limit: 50 });
      chat.addPage('general', page.messages, page.lastSeq);
    }
    expect(conv.log.messages().map((m) => m.s)).toEqual(range(1, 280).map((m) => m.s));
  });
});

describe('filling a gap from pages that end early', () => {
  /** A server whose pages end after `perPage` messages (as 56 KiB of the longest messages do), with `more`. */
  const shortPages = (last: number, perPage: number, asked: number[]) => (after: number, limit: number) => {
    asked.push(limit);
    const n = Math.min(limit, perPage);
    const messages = range(after + 1, Math.min(last, after + n));
    return Promise.resolve({ messages, more: after + messages.length < last, lastSeq: last });
  };

  it('reads every page of a gap as big as a catch-up fills, two messages a page', async () => {
    const log = new ConversationLog();
    log.addHistory(range(1, 10), 10);
    const asked: number[] = [];
    const last = 10 + CATCH_UP_MAX_GAP;
    await fillAfter(log, log.high, false, shortPages(last, 2, asked), (p) => log.addHistory(p.messages, p.lastSeq));
    expect(log.high).toBe(last);
    expect(log.messages().map((m) => m.s)).toEqual(range(1, last).map((m) => m.s));
    expect(asked).toHaveLength(CATCH_UP_MAX_GAP / 2);
    expect(CATCH_UP_PAGES_MAX).toBeGreaterThanOrEqual(CATCH_UP_MAX_GAP);
  });

  it('probes first with limit 0, and stops when a page moves nothing on', async () => {
    const log = new ConversationLog();
    log.addHistory(range(1, 10), 10);
    const asked: number[] = [];
    await fillAfter(log, 10, true, shortPages(15, 2, asked), (p) => log.addHistory(p.messages, p.lastSeq));
    expect(asked).toEqual([0, 100, 100, 100]);
    expect(log.high).toBe(15);
    // a server that says more but sends nothing
    let calls = 0;
    await fillAfter(
      log,
      15,
      false,
      () => (calls++, Promise.resolve({ messages: [], more: true, lastSeq: 99 })),
      () => {},
    );
    expect(calls).toBe(1);
  });
});

describe('a hole in live messages', () => {
  it('is filled at once in the open conversation, and only when something is held and a message is missing', () => {
    const log = new ConversationLog();
    expect(fillsLiveGap(log, 'general', 'general')).toBe(false); // nothing held: opening it loads a page
    log.addHistory(range(1, 10), 10);
    log.apply({ t: 'm', ...msg(11) });
    expect(fillsLiveGap(log, 'general', 'general')).toBe(false); // contiguous
    log.apply({ t: 'm', ...msg(13) }); // 12 was lost on the way
    expect(fillsLiveGap(log, 'general', 'general')).toBe(true);
    expect(fillsLiveGap(log, 'general', 'random')).toBe(false); // filled when opened
    log.addHistory([msg(12)], 13);
    expect(fillsLiveGap(log, 'general', 'general')).toBe(false);
  });
});
