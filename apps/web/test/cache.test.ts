import type { Message } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { CACHED_MESSAGES, loadChatCache, saveChatCache } from '../src/state/cache.js';
import { ChatState } from '../src/state/chat.js';
import { memoryStore, type KeyValue } from '../src/state/storage.js';

const KEY = 'tidings:alice:chat';
const msg = (s: number, u = 'bob'): Message => ({ s, u, x: `m${s}`, at: 1000 + s });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));

describe('the history cache', () => {
  it('brings back the conversation list and the newest messages after a reload', () => {
    const data = new Map<string, string>();
    const before = new ChatState('alice');
    before.applySummaries([
      { c: 'general', kind: 'room', lastSeq: 120, readSeq: 100 },
      { c: '@bob', kind: 'dm', lastSeq: 2, readSeq: 2 },
    ]);
    before.addPage('general', range(1, 120), 120);
    before.addPage('@bob', [msg(1), msg(2, 'alice')], 2);
    before.get('general')!.log.setReactions(120, { '❤️': 3, '😂': 1 }, ['❤️']);
    expect(saveChatCache(memoryStore(data), KEY, before)).toBe(true);

    const after = new ChatState('alice');
    expect(loadChatCache(memoryStore(data), KEY, after)).toBe(2);
    const general = after.get('general')!;
    expect(general.log.messages().map((m) => m.s)).toEqual(range(121 - CACHED_MESSAGES, 120).map((m) => m.s));
    expect(general.log.get(120)).toMatchObject({ rx: { '❤️': 3, '😂': 1 }, my: ['❤️'] });
    expect(general).toMatchObject({ lastSeq: 120, readSeq: 100, member: true });
    expect(after.unread('general')).toBe(20);
    expect(after.get('@bob')!.log.size).toBe(2);
    expect(after.list().map((c) => c.ref)).toEqual(before.list().map((c) => c.ref));
  });

  it('keeps fewer messages rather than none when storage is nearly full', () => {
    const data = new Map<string, string>();
    const tight: KeyValue = { ...memoryStore(data), set: (k, v) => (v.length > 2000 ? false : (data.set(k, v), true)) };
    const chat = new ChatState('alice');
    chat.applySummaries([{ c: 'general', kind: 'room', lastSeq: 60, readSeq: 60 }]);
    chat.addPage('general', range(1, 60), 60);
    expect(saveChatCache(tight, KEY, chat)).toBe(true);
    const after = new ChatState('alice');
    loadChatCache(memoryStore(data), KEY, after);
    expect(after.get('general')!.log.size).toBe(10);
  });

  it('skips what it cannot read instead of failing', () => {
    const data = new Map([
      [
        KEY,
        JSON.stringify({
          v: 1,
          convs: [
            { c: 'NOT A REF', lastSeq: 1, readSeq: 0, m: [] },
            { c: 'general', lastSeq: 3, readSeq: 1, member: true, m: [msg(1), { s: 'x' }, msg(3)] },
            'junk',
          ],
        }),
      ],
    ]);
    const chat = new ChatState('alice');
    expect(loadChatCache(memoryStore(data), KEY, chat)).toBe(1);
    expect(
      chat
        .get('general')!
        .log.messages()
        .map((m) => m.s),
    ).toEqual([1, 3]);
    expect(loadChatCache(memoryStore(new Map([[KEY, '{"v":0}']])), KEY, new ChatState('alice'))).toBe(0);
  });
});
