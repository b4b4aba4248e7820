import { PAGE_BYTES, TEXT_MAX, type Message } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { fillPage, jsonBytesOf, messageBytesBound } from '../src/paging.js';

const message = (x: string, extra: Partial<Message> = {}): Message => ({
  s: 2 ** 31 - 1,
  u: 'u'.repeat(32),
  x,
  at: 8.64e15,
  ed: 8.64e15,
  rx: { '👍': 2 ** 31 - 1, '❤️': 2 ** 31 - 1, '😂': 2 ** 31 - 1, '🎉': 2 ** 31 - 1, '😮': 2 ** 31 - 1, '😢': 2 ** 31 - 1 },
  my: ['👍', '❤️', '😂', '🎉', '😮', '😢'],
  ...extra,
});

describe('fillPage', () => {
  it('ends a page at the limit or at the byte budget, whichever comes first, and always takes the first item', () => {
    const items = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)];
    expect(fillPage(items, 2)).toEqual({ page: items.slice(0, 2), more: true });
    expect(fillPage(items, 5)).toEqual({ page: items, more: false });
    // each is 12 bytes of JSON, 13 with its comma
    expect(fillPage(items, 5, 12 + 13)).toEqual({ page: items.slice(0, 2), more: true });
    expect(fillPage(items, 5, 12 + 12)).toEqual({ page: items.slice(0, 1), more: true });
    expect(fillPage(items, 5, 1)).toEqual({ page: items.slice(0, 1), more: true });
    expect(fillPage(items, 0)).toEqual({ page: [], more: true });
    expect(fillPage([], 5)).toEqual({ page: [], more: false });
  });

  it('gives the same page with or without the cheap bound', () => {
    const texts = ['hi', '\u0001'.repeat(TEXT_MAX), '😀'.repeat(TEXT_MAX), '"'.repeat(TEXT_MAX), 'x'.repeat(TEXT_MAX), '\\n'];
    const messages = Array.from({ length: 60 }, (_, i) => message(texts[(i * 7) % texts.length]!, { s: i + 1 }));
    for (const limit of [1, 2, 5, 50, 100]) {
      for (let from = 0; from < messages.length; from += 7) {
        const slice = messages.slice(from);
        expect(fillPage(slice, limit, PAGE_BYTES, jsonBytesOf, messageBytesBound)).toEqual(fillPage(slice, limit));
      }
    }
  });

  it('bounds a message from above, whatever its text', () => {
    for (const x of ['', 'a', '\u0001'.repeat(TEXT_MAX), '😀'.repeat(TEXT_MAX), '\ud800'.repeat(100), '"\\\n\t'.repeat(1000)]) {
      const m = message(x);
      expect(messageBytesBound(m), JSON.stringify(x.slice(0, 4))).toBeGreaterThanOrEqual(jsonBytesOf(m));
      expect(messageBytesBound({ u: m.u, x: '' })).toBeGreaterThanOrEqual(jsonBytesOf({ ...m, x: '' }));
    }
  });

  it('bounds a room event and a removal from above too', () => {
    const topic = '\u0001'.repeat(300);
    const events: Message[] = [
      { s: 2 ** 31 - 1, u: 'u'.repeat(32), x: '', at: 8.64e15, ev: { k: 'topic', x: topic } },
      { s: 2 ** 31 - 1, u: 'u'.repeat(32), x: '', at: 8.64e15, ev: { k: 'mute', w: 'w'.repeat(32), until: 8.64e15 } },
      { s: 2 ** 31 - 1, u: 'u'.repeat(32), x: '', at: 8.64e15, del: true, rb: 'r'.repeat(32) },
    ];
    for (const m of events) expect(messageBytesBound(m), JSON.stringify(m).slice(0, 40)).toBeGreaterThanOrEqual(jsonBytesOf(m));
  });
});
