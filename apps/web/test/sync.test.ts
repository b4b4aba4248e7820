import { ConversationLog } from '@tidings/client';
import type { Message } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { CATCH_UP_MAX_GAP, ChatState, planCatchUp } from '../src/state/chat.js';

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
