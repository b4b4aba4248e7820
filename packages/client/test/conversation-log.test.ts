import type { Message } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { ConversationLog } from '../src/index.js';

const msg = (s: number, x = `m${s}`): Message => ({ s, u: 'alice', x, at: 1000 + s });

describe('a conversation log', () => {
  it('holds each message once, in order, whatever order history and live events arrive in', () => {
    const log = new ConversationLog();
    log.addHistory([msg(1), msg(2), msg(3)], 3);
    expect(log.apply({ t: 'm', ...msg(5) })).toBe(true);
    expect(log.high).toBe(3); // 4 is missing
    expect(log.hasGap).toBe(true);
    expect(log.apply({ t: 'm', ...msg(5) })).toBe(false); // duplicate
    log.addHistory([msg(4), msg(5)], 5);
    expect(log.high).toBe(5);
    expect(log.hasGap).toBe(false);
    expect(log.messages().map((m) => m.s)).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts its high-water mark below the first page it was given', () => {
    const log = new ConversationLog();
    log.addHistory([msg(51), msg(52)], 52);
    expect(log.low).toBe(51);
    expect(log.high).toBe(52);
    log.addHistory([msg(49), msg(50)]);
    expect(log.low).toBe(49);
    expect(log.high).toBe(52);
  });

  it('applies edits, deletes and reactions to held messages only', () => {
    const log = new ConversationLog();
    log.addHistory([msg(1)], 1);
    expect(log.apply({ t: 'e', s: 1, x: 'edited', ed: 2000 })).toBe(true);
    expect(log.apply({ t: 'e', s: 1, x: 'older edit', ed: 1500 })).toBe(false);
    expect(log.get(1)?.x).toBe('edited');
    expect(log.apply({ t: 'r', s: 1, rx: { '👍': 2 }, u: 'bob', e: '👍', on: true })).toBe(true);
    expect(log.get(1)?.rx).toEqual({ '👍': 2 });
    expect(log.apply({ t: 'r', s: 1, rx: { '👍': 2 }, u: 'bob', e: '👍', on: true })).toBe(false); // the same again
    expect(log.apply({ t: 'r', s: 9, rx: { '👍': 1 }, u: 'bob', e: '👍', on: true })).toBe(false);
    expect(log.apply({ t: 'd', s: 1 })).toBe(true);
    expect(log.get(1)).toEqual({ s: 1, u: 'alice', x: '', at: 1001, del: true });
    log.addHistory([{ ...msg(1), x: 'stale copy' }]);
    expect(log.get(1)?.del).toBe(true); // a stale page does not resurrect it
    expect(log.apply({ t: 'e', s: 9, x: 'x', ed: 1 })).toBe(false);
  });

  it('keeps a newer edit when an older history page arrives afterwards', () => {
    const log = new ConversationLog();
    log.addHistory([msg(1)], 1);
    log.apply({ t: 'e', s: 1, x: 'edited', ed: 2000 });
    log.addHistory([{ ...msg(1), rx: { '❤️': 3 } }]); // fetched before the edit
    expect(log.get(1)).toMatchObject({ x: 'edited', ed: 2000, rx: { '❤️': 3 } });
    log.addHistory([{ ...msg(1), x: 'edited again', ed: 3000 }]);
    expect(log.get(1)).toMatchObject({ x: 'edited again', ed: 3000 });
  });
  it('keeps the caller’s own reactions from their live events (another device) and the answers to their requests', () => {
    const log = new ConversationLog();
    log.addHistory([msg(1)], 1);
    log.setReactions(1, { '👍': 1 }, ['👍']);
    expect(log.get(1)).toMatchObject({ rx: { '👍': 1 }, my: ['👍'] });
    // alice reacts ❤️ on her phone: her own list grows, in the set's order
    expect(log.apply({ t: 'r', s: 1, rx: { '👍': 1, '❤️': 1 }, u: 'alice', e: '❤️', on: true }, 'alice')).toBe(true);
    expect(log.get(1)).toMatchObject({ rx: { '👍': 1, '❤️': 1 }, my: ['👍', '❤️'] });
    // bob's reaction changes the counts only
    expect(log.apply({ t: 'r', s: 1, rx: { '👍': 2, '❤️': 1 }, u: 'bob', e: '👍', on: true }, 'alice')).toBe(true);
    expect(log.get(1)?.my).toEqual(['👍', '❤️']);
    // alice takes both back elsewhere
    log.apply({ t: 'r', s: 1, rx: { '👍': 1, '❤️': 1 }, u: 'alice', e: '👍', on: false }, 'alice');
    log.apply({ t: 'r', s: 1, rx: { '👍': 1 }, u: 'alice', e: '❤️', on: false }, 'alice');
    expect(log.get(1)).toEqual({ ...msg(1), rx: { '👍': 1 } });
    log.setReactions(1, {}, []);
    expect(log.get(1)).toEqual(msg(1));
  });

  it('marks a message removed by a moderator when the remove event comes, before or after its delete', () => {
    const log = new ConversationLog();
    log.addHistory([msg(1, 'spam'), msg(2, 'more spam')], 2);
    log.setReactions(1, { '❤️': 1 }, ['❤️']);
    expect(log.apply({ t: 'm', s: 3, u: 'mod1', x: '', at: 2000, ev: { k: 'remove', s: 1 } })).toBe(true);
    expect(log.get(1)).toEqual({ s: 1, u: 'alice', x: '', at: 1001, del: true, rb: 'mod1' });
    expect(log.apply({ t: 'd', s: 1 })).toBe(false); // its delete after the event changes nothing
    expect(log.apply({ t: 'd', s: 2 })).toBe(true);
    expect(log.apply({ t: 'm', s: 4, u: 'mod1', x: '', at: 2001, ev: { k: 'remove', s: 2 } })).toBe(true);
    expect(log.get(2)).toMatchObject({ del: true, x: '', rb: 'mod1' });
    // A remove event for a message not held changes only the event's own place.
    expect(log.apply({ t: 'm', s: 5, u: 'mod1', x: '', at: 2002, ev: { k: 'remove', s: 99 } })).toBe(true);
    expect(log.get(99)).toBeUndefined();
    expect(log.high).toBe(5);
  });
});
