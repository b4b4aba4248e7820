import type { ConversationEvent, Message } from '@tidings/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WatchCore, type HistoryPage, type WatchEvent } from '../src/chat/watch-core.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0);
const m = (s: number, u = 'bob', x = `message ${s}`): Message => ({ s, u, x, at: T0 + s * 1000 });
const live = (s: number, u = 'bob'): ConversationEvent => ({ t: 'm', ...m(s, u) });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => m(from + i));

/** A conversation held by a fake chat-query: `fetchAfter` answers pages from it, like the real one. */
function harness(options: { all?: Message[]; me?: string; c?: string; pageLimit?: number; presenceDelayMs?: number; presence?: boolean } = {}) {
  const all = options.all ?? [];
  const events: WatchEvent[] = [];
  const fetches: number[] = [];
  const limits: number[] = [];
  const participants: string[] = [];
  const failures: unknown[] = [];
  let failNext = 0;
  const core = new WatchCore({
    c: options.c ?? 'general',
    me: options.me ?? 'alice',
    emit: (e) => events.push(e),
    onParticipant: (u) => participants.push(u),
    onFillError: (err) => failures.push(err),
    ...(options.presenceDelayMs !== undefined ? { presenceDelayMs: options.presenceDelayMs } : {}),
    ...(options.presence !== undefined ? { presence: options.presence } : {}),
    fetchAfter: async (after, limit) => {
      fetches.push(after);
      limits.push(limit);
      if (failNext > 0) {
        failNext--;
        throw new Error('no reply to chat.history within 10 s');
      }
      const lim = Math.min(limit, options.pageLimit ?? limit);
      const newer = all.filter((x) => x.s > after);
      return { c: 'general', messages: newer.slice(0, lim), more: newer.length > lim, lastSeq: all.length };
    },
  });
  const page = (messages: Message[], lastSeq = all.length): HistoryPage => ({ c: 'general', messages, more: false, lastSeq });
  return {
    core,
    all,
    events,
    fetches,
    limits,
    participants,
    failures,
    page,
    failNextFetches: (n: number) => void (failNext = n),
    printed: () => events.filter((e) => e.type === 'message').map((e) => (e as { m: Message }).m.s),
    of: (type: WatchEvent['type']) => events.filter((e) => e.type === type),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('watch: printing a conversation exactly once, in order', () => {
  it('prints the newest page, says it is ready, then prints each new message once', async () => {
    const h = harness({ all: range(1, 5) });
    h.core.start(h.page(range(3, 5)));
    expect(h.printed()).toEqual([3, 4, 5]);
    expect(h.events[3]).toEqual({ type: 'ready', c: 'general', high: 5, lastSeq: 5 });
    h.all.push(m(6));
    h.core.live(live(6));
    h.core.live(live(6)); // the broker's queued copy of the same event
    h.core.live(live(4)); // an old one, already printed
    expect(h.printed()).toEqual([3, 4, 5, 6]);
    await settle();
    expect(h.fetches).toEqual([]);
  });

  it('applies the live events that came while the first page was loading, without duplicates', () => {
    const h = harness({ all: range(1, 7) });
    h.core.live(live(5)); // subscribed before the page was asked for: 5 is on the page too
    h.core.live(live(6));
    h.core.live(live(7));
    expect(h.events).toEqual([]);
    h.core.start(h.page(range(1, 5), 5));
    expect(h.printed()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('holds messages that arrive after a gap until history fills it, then prints them all in order', async () => {
    const h = harness({ all: range(1, 9) });
    h.core.start(h.page(range(1, 5), 5));
    h.core.live(live(8)); // 6 and 7 were lost on the way: a fill starts by itself
    expect(h.printed()).toEqual([1, 2, 3, 4, 5]);
    await settle();
    expect(h.fetches).toEqual([5]);
    expect(h.printed()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('fills page after page while chat-query says there is more', async () => {
    const h = harness({ all: range(1, 12), pageLimit: 3 });
    h.core.start(h.page(range(1, 2), 2));
    await h.core.fill(); // as after a reconnect: lastSeq 2 was all it knew
    expect(h.fetches).toEqual([2, 5, 8, 11]);
    expect(h.printed()).toEqual(range(1, 12).map((x) => x.s));
  });

  it('prints messages from both a reconnect gap-fill and the queued live copies once, in order', async () => {
    const h = harness({ all: range(1, 3) });
    h.core.start(h.page(range(1, 3)));
    // While the link was down 4..8 were sent; the broker queued them for the session, and the
    // reconnect also asks history after #3. Queued copies arrive before, during and after the fill.
    h.all.push(...range(4, 8));
    h.core.live(live(4));
    const fill = h.core.fill();
    h.core.live(live(5));
    h.core.live(live(6));
    await fill;
    h.core.live(live(7));
    h.core.live(live(8));
    h.core.live(live(9)); // new: sent after the fill
    h.all.push(m(9));
    await h.core.fill();
    expect(h.printed()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('after a reconnect that kept the session, does not fetch again what the broker queued: one probe for lastSeq', async () => {
    const h = harness({ all: range(1, 3) });
    h.core.start(h.page(range(1, 3)));
    // 4..30 were sent while the link was down; the broker delivers its queue right after CONNACK,
    // before the reply to the probe sent on reconnect.
    h.all.push(...range(4, 30));
    const probe = h.core.fill({ probe: true });
    for (let s = 4; s <= 30; s++) h.core.live(live(s));
    await probe;
    expect(h.printed()).toEqual(range(1, 30).map((x) => x.s));
    expect(h.limits).toEqual([0]);
  });

  it('after a probe that finds messages missing (the broker dropped some), fetches the rest by pages', async () => {
    const h = harness({ all: range(1, 3), pageLimit: 10 });
    h.core.start(h.page(range(1, 3)));
    h.all.push(...range(4, 30));
    h.core.live(live(4)); // only #4 of the queue arrived
    await h.core.fill({ probe: true });
    expect(h.printed()).toEqual(range(1, 30).map((x) => x.s));
    expect(h.limits[0]).toBe(0);
    expect(h.limits.length).toBeGreaterThan(1);
    expect(h.failures).toEqual([]);
  });

  it('starting on an empty conversation, a message that skips ahead makes it fetch the ones before', async () => {
    const h = harness({ all: [] });
    h.core.start(h.page([], 0));
    expect(h.events).toEqual([{ type: 'ready', c: 'general', high: 0, lastSeq: 0 }]);
    h.all.push(...range(1, 3));
    h.core.live(live(3));
    await settle();
    await h.core.fill();
    expect(h.fetches[0]).toBe(0);
    expect(h.printed()).toEqual([1, 2, 3]);
  });

  it('reports a failed fill and fills on the next try', async () => {
    const h = harness({ all: range(1, 4) });
    h.core.start(h.page(range(1, 2), 2));
    h.failNextFetches(1);
    await h.core.fill();
    expect(h.failures).toHaveLength(1);
    expect(h.printed()).toEqual([1, 2]);
    await h.core.fill();
    expect(h.printed()).toEqual([1, 2, 3, 4]);
  });

  it('runs one fill at a time and runs another when asked during one', async () => {
    const h = harness({ all: range(1, 2) });
    h.core.start(h.page(range(1, 2)));
    h.all.push(m(3));
    const first = h.core.fill();
    h.all.push(m(4));
    const second = h.core.fill(); // during the first: runs again after it
    await Promise.all([first, second]);
    expect(h.fetches).toEqual([2, 3]);
    expect(h.printed()).toEqual([1, 2, 3, 4]);
  });

  it('reports nothing after stop', async () => {
    const h = harness({ all: range(1, 2) });
    h.core.start(h.page(range(1, 2)));
    h.core.stop();
    h.core.live(live(3));
    h.core.presence('bob', { on: false, at: T0 }, false);
    await h.core.fill();
    expect(h.printed()).toEqual([1, 2]);
    expect(h.fetches).toEqual([]);
  });
});

describe('watch: changes, typing, joins and presence', () => {
  it('reports edits, deletes and reactions of printed messages with the message as it now is', () => {
    const h = harness({ all: range(1, 3) });
    h.core.start(h.page(range(1, 3)));
    h.core.live({ t: 'e', s: 2, x: 'better', ed: T0 + 10_000 });
    h.core.live({ t: 'e', s: 2, x: 'stale', ed: T0 + 5_000 }); // an older edit arriving late
    h.core.live({ t: 'r', s: 3, rx: { '👍': 2 }, u: 'bob', e: '👍', on: true });
    h.core.live({ t: 'r', s: 3, rx: { '👍': 2 }, u: 'bob', e: '👍', on: true }); // same counts again
    h.core.live({ t: 'd', s: 1 });
    h.core.live({ t: 'd', s: 1 });
    h.core.live({ t: 'e', s: 99, x: 'not here', ed: T0 }); // a message never held
    expect(h.events.filter((e) => e.type !== 'message' && e.type !== 'ready')).toEqual([
      { type: 'edit', c: 'general', m: { ...m(2), x: 'better', ed: T0 + 10_000 } },
      { type: 'reaction', c: 'general', m: { ...m(3), rx: { '👍': 2 } }, u: 'bob', e: '👍', on: true },
      { type: 'delete', c: 'general', m: { ...m(1), x: '', del: true } },
    ]);
  });

  it('shows a change to a message waiting behind a gap when the message itself is printed', async () => {
    const h = harness({ all: [...range(1, 2), { ...m(3), x: 'edited early', ed: T0 + 9_000 }] });
    h.core.start(h.page(range(1, 1), 1));
    h.core.live(live(3));
    h.core.live({ t: 'e', s: 3, x: 'edited early', ed: T0 + 9_000 });
    expect(h.of('edit')).toEqual([]);
    await settle();
    const third = h.events.find((e) => e.type === 'message' && e.m.s === 3);
    expect(third).toEqual({ type: 'message', c: 'general', m: { ...m(3), x: 'edited early', ed: T0 + 9_000 } });
  });

  it("reports others' typing, joins and leaves, never the watcher's own", () => {
    const h = harness({ all: [] });
    h.core.start(h.page([], 0));
    h.core.live({ t: 'ty', u: 'alice' });
    h.core.live({ t: 'ty', u: 'bob' });
    h.core.live({ t: 'j', u: 'carol' });
    h.core.live({ t: 'j', u: 'alice' });
    h.core.live({ t: 'lv', u: 'carol' });
    h.core.live({ t: 'rd', c: 'general', s: 3 });
    expect(h.events.slice(1)).toEqual([
      { type: 'typing', c: 'general', u: 'bob' },
      { type: 'join', c: 'general', u: 'carol' },
      { type: 'leave', c: 'general', u: 'carol' },
    ]);
  });

  it('follows the presence of the people seen in the conversation: senders, joiners, typists', () => {
    const h = harness({ all: [m(1, 'bob'), m(2, 'alice')] });
    h.core.start(h.page([m(1, 'bob'), m(2, 'alice')]));
    h.core.live({ t: 'j', u: 'carol' });
    h.core.live({ t: 'ty', u: 'dave' });
    h.core.live(live(3, 'erin'));
    expect(h.participants).toEqual(['bob', 'carol', 'dave', 'erin']);
  });

  it('reports presence changes, not the states the broker holds when it subscribes', () => {
    const h = harness({ all: [m(1, 'bob')] });
    h.core.start(h.page([m(1, 'bob')]));
    h.core.presence('bob', { on: false, at: T0 }, true); // retained, on subscribing: the state, not news
    h.core.presence('bob', { on: true, at: T0 + 1 }, false);
    h.core.presence('bob', { on: true, at: T0 + 2 }, false); // no change
    h.core.presence('bob', { on: false, at: T0 + 3 }, true); // retained after a reconnect, and different
    h.core.presence('zed', { on: true, at: T0 }, false); // not in this conversation
    h.core.presence('alice', { on: true, at: T0 }, false); // the watcher
    expect(h.of('presence')).toEqual([
      { type: 'presence', u: 'bob', on: true, at: T0 + 1 },
      { type: 'presence', u: 'bob', on: false, at: T0 + 3 },
    ]);
  });

  it('stops reporting the presence of someone who left the room', () => {
    const h = harness({ all: [m(1, 'bob')] });
    h.core.start(h.page([m(1, 'bob')]));
    h.core.presence('bob', { on: true, at: T0 }, true);
    h.core.live({ t: 'lv', u: 'bob' });
    h.core.presence('bob', { on: false, at: T0 + 1 }, false);
    expect(h.of('presence')).toEqual([]);
  });
});

describe('watch: presence only when it lasts', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows nothing for an online flip undone within the delay, and a change once it has lasted', () => {
    vi.useFakeTimers();
    const h = harness({ all: [m(1, 'bob')], presenceDelayMs: 3000 });
    h.core.start(h.page([m(1, 'bob')]));
    h.core.presence('bob', { on: false, at: T0 }, true); // the state when the watch began
    vi.advanceTimersByTime(3000);
    // bob runs a one-shot command: online, and offline again a moment later.
    for (let i = 0; i < 3; i++) {
      h.core.presence('bob', { on: true, at: T0 + 10 * i }, false);
      vi.advanceTimersByTime(400);
      h.core.presence('bob', { on: false, at: T0 + 10 * i + 4 }, false);
      vi.advanceTimersByTime(5000);
    }
    expect(h.of('presence')).toEqual([]);

    // bob opens the web app and stays: shown once it has lasted 3 s, with the time it began.
    h.core.presence('bob', { on: true, at: T0 + 100 }, false);
    vi.advanceTimersByTime(2999);
    expect(h.of('presence')).toEqual([]);
    h.core.presence('bob', { on: true, at: T0 + 100 }, true); // the same state again (a reconnect): no restart of the wait
    vi.advanceTimersByTime(1);
    expect(h.of('presence')).toEqual([{ type: 'presence', u: 'bob', on: true, at: T0 + 100 }]);

    // A drop and a return within the delay: still online, nothing to say; then gone for good.
    h.core.presence('bob', { on: false, at: T0 + 200 }, false);
    vi.advanceTimersByTime(1000);
    h.core.presence('bob', { on: true, at: T0 + 201 }, false);
    vi.advanceTimersByTime(5000);
    h.core.presence('bob', { on: false, at: T0 + 300 }, false);
    vi.advanceTimersByTime(3000);
    expect(h.of('presence')).toEqual([
      { type: 'presence', u: 'bob', on: true, at: T0 + 100 },
      { type: 'presence', u: 'bob', on: false, at: T0 + 300 },
    ]);
  });

  it('takes the state someone settles in just after they are first seen as the starting point, not as news', () => {
    vi.useFakeTimers();
    const h = harness({ all: [], presenceDelayMs: 3000 });
    h.core.start(h.page([]));
    // bob sends with a one-shot command: his message makes him a participant while he is still
    // connected (the retained state is "online"), and he goes offline right after.
    h.core.live(live(1, 'bob'));
    h.core.presence('bob', { on: true, at: T0 }, true);
    vi.advanceTimersByTime(300);
    h.core.presence('bob', { on: false, at: T0 + 300 }, false);
    vi.advanceTimersByTime(10_000);
    expect(h.of('presence')).toEqual([]);
    h.core.presence('bob', { on: true, at: T0 + 20_000 }, false);
    vi.advanceTimersByTime(3000);
    expect(h.of('presence')).toEqual([{ type: 'presence', u: 'bob', on: true, at: T0 + 20_000 }]);
  });

  it('reports no presence at all with presence: false (--no-presence), and none after stop()', () => {
    vi.useFakeTimers();
    const quiet = harness({ all: [m(1, 'bob')], presenceDelayMs: 0, presence: false });
    quiet.core.start(quiet.page([m(1, 'bob')]));
    quiet.core.presence('bob', { on: false, at: T0 }, true);
    quiet.core.presence('bob', { on: true, at: T0 + 1 }, false);
    expect(quiet.of('presence')).toEqual([]);

    const h = harness({ all: [m(1, 'bob')], presenceDelayMs: 3000 });
    h.core.start(h.page([m(1, 'bob')]));
    h.core.presence('bob', { on: false, at: T0 }, false);
    h.core.stop();
    vi.advanceTimersByTime(5000);
    expect(h.of('presence')).toEqual([]);
  });
});
