import type { Message } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { conversationOf, messageRefOf } from '../src/chat/args.js';
import { formatMessage, formatMessages, formatRooms, formatUsers, formatWhen, safeText, type Clock } from '../src/chat/format.js';
import { watchEventJson, watchEventText } from '../src/chat/watch-output.js';

const NOW = Date.UTC(2026, 10, 20, 15, 30); // 2026-11-20 15:30 UTC
const clock: Clock = { now: NOW, timeZone: 'UTC' };
const at = (day: number, hh: number, mm: number) => Date.UTC(2026, 10, day, hh, mm);

const msg = (s: number, u: string, x: string, extra: Partial<Message> = {}): Message => ({ s, u, x, at: at(20, 14, 3), ...extra });

describe('formatting messages for the terminal', () => {
  it('prints "#seq  hh:mm  user: text" for a message of today', () => {
    expect(formatMessage(msg(12, 'bob', 'hello there'), clock)).toBe('#12  14:03  bob: hello there');
  });

  it('adds the date for a message of another day, in the clock time zone', () => {
    expect(formatMessage(msg(3, 'alice', 'old news', { at: at(3, 9, 5) }), clock)).toBe('#3  2026-11-03 09:05  alice: old news');
    // 23:30 UTC on the 19th is 08:30 on the 20th in Tokyo: "today" there at 10:00 UTC (19:00 in Tokyo).
    expect(formatWhen(at(19, 23, 30), { now: at(20, 10, 0), timeZone: 'Asia/Tokyo' })).toBe('08:30');
    expect(formatWhen(at(19, 23, 30), clock)).toBe('2026-11-19 23:30');
  });

  it('marks edits, tombstones and reactions, with the ones the caller gave', () => {
    expect(formatMessage(msg(4, 'bob', 'fixed', { ed: at(20, 14, 5) }), clock)).toBe('#4  14:03  bob: fixed (edited)');
    expect(formatMessage(msg(5, 'bob', '', { del: true, rx: { '👍': 3 } }), clock)).toBe('#5  14:03  bob: (deleted)');
    expect(formatMessage(msg(6, 'bob', 'nice', { rx: { '❤️': 2 } }), clock)).toBe('#6  14:03  bob: nice  ❤️ 2');
    expect(formatMessage(msg(7, 'bob', 'nicer', { rx: { '👍': 2, '❤️': 1 }, my: ['👍', '❤️'], ed: at(20, 15, 0) }), clock)).toBe(
      '#7  14:03  bob: nicer (edited)  👍 2  ❤️ 1 (you: 👍 ❤️)',
    );
    expect(formatMessage(msg(8, 'bob', 'none', { rx: {} }), clock)).toBe('#8  14:03  bob: none');
  });

  it('indents the continuation lines of a multi-line message under its text', () => {
    expect(formatMessage(msg(9, 'bob', 'one\ntwo\r\nthree'), clock)).toBe(`#9  14:03  bob: one\n${' '.repeat(16)}two\n${' '.repeat(16)}three`);
  });

  it('never lets message text drive the terminal: control characters and bidi overrides are replaced', () => {
    expect(safeText('red \u001b[31mALERT\u001b[0m\u0007 a\tb \u202eevil')).toBe('red \uFFFD[31mALERT\uFFFD[0m\uFFFD a b \uFFFDevil');
    expect(formatMessage(msg(10, 'eve', '\u001b]0;title\u0007'), clock)).toBe('#10  14:03  eve: \uFFFD]0;title\uFFFD');
  });

  it('prints a page oldest first, one line per message', () => {
    expect(formatMessages([msg(1, 'a1a', 'x'), msg(2, 'b2b', 'y')], clock)).toBe('#1  14:03  a1a: x\n#2  14:03  b2b: y');
  });

  it('right-aligns the #seq column to the widest number on the page, continuation lines included', () => {
    expect(formatMessages([msg(99, 'ann', 'x'), msg(100, 'bob', 'y\nz')], clock)).toBe(
      [' #99  14:03  ann: x', '#100  14:03  bob: y', `${' '.repeat(18)}z`].join('\n'),
    );
  });
});

describe('formatting rooms and users', () => {
  it('marks joined rooms with * and shows their unread counts', () => {
    const text = formatRooms([
      { name: 'general', members: 3, lastSeq: 40, joined: true, unread: 2 },
      { name: 'ops', members: 1, lastSeq: 0, joined: true, unread: 0 },
      { name: 'random-talk', members: 12, lastSeq: 9, joined: false },
    ]);
    expect(text).toBe(['*  general      3 members   2 unread', '*  ops          1 member', '   random-talk  12 members  not joined'].join('\n'));
    expect(formatRooms([])).toBe('no rooms');
  });

  it('shows a dot and a word for online, when offline users were last seen and when each last wrote', () => {
    const text = formatUsers(
      [
        { u: 'alice', online: true, lastMsg: at(20, 14, 3) },
        { u: 'bob', online: false, seen: at(18, 8, 0), lastMsg: at(17, 22, 15) },
        { u: 'carol', online: false },
      ],
      clock,
    );
    expect(text.split('\n')).toEqual([
      '●  alice  online                          last message 14:03',
      '○  bob    offline  seen 2026-11-18 08:00  last message 2026-11-17 22:15',
      '○  carol  offline  never seen             no messages',
    ]);
  });
});

describe('reading references typed by people', () => {
  it('reads message references as history prints them, in any case', () => {
    expect(messageRefOf('general#12')).toEqual({ c: 'general', s: 12 });
    expect(messageRefOf('@Bob#3')).toEqual({ c: '@bob', s: 3 });
    expect(messageRefOf(' Ops-2#1 ')).toEqual({ c: 'ops-2', s: 1 });
  });

  it('reads conversations as rooms or @users, lower-cased', () => {
    expect(conversationOf('General')).toBe('general');
    expect(conversationOf('@Alice')).toBe('@alice');
  });
});

describe('watch output', () => {
  const m = msg(12, 'bob', 'hello', { rx: { '❤️': 1 } });

  it('prints messages and their changes on stdout and notices on stderr', () => {
    expect(watchEventText({ type: 'message', c: 'general', m }, clock)).toEqual({ out: '#12  14:03  bob: hello  ❤️ 1' });
    expect(watchEventText({ type: 'edit', c: 'general', m: { ...m, x: 'hi', ed: NOW } }, clock)).toEqual({ out: '#12  14:03  bob: hi (edited)  ❤️ 1' });
    expect(watchEventText({ type: 'delete', c: 'general', m: { ...m, x: '', del: true } }, clock)).toEqual({ out: '#12  14:03  bob: (deleted)' });
    expect(watchEventText({ type: 'typing', c: 'general', u: 'bob' }, clock)).toEqual({ err: 'bob is typing…' });
    expect(watchEventText({ type: 'presence', u: 'bob', on: true, at: NOW }, clock)).toEqual({ err: 'bob is online' });
    expect(watchEventText({ type: 'presence', u: 'bob', on: false, at: at(20, 15, 29) }, clock)).toEqual({ err: 'bob is offline (last seen 15:29)' });
    expect(watchEventText({ type: 'join', c: 'general', u: 'carol' }, clock)).toEqual({ err: 'carol joined general' });
    expect(watchEventText({ type: 'leave', c: 'general', u: 'carol' }, clock)).toEqual({ err: 'carol left general' });
    expect(watchEventText({ type: 'connection', state: 'lost' }, clock)).toEqual({ err: 'connection lost: reconnecting…' });
    expect(watchEventText({ type: 'connection', state: 'restored' }, clock)).toEqual({ err: 'reconnected' });
    expect(watchEventText({ type: 'ready', c: '@bob', high: 3, lastSeq: 3 }, clock)).toEqual({ err: 'watching @bob (Ctrl-C to stop)' });
  });

  it('gives one JSON object per event, messages with the protocol fields', () => {
    expect(watchEventJson({ type: 'message', c: 'general', m })).toEqual({
      type: 'message',
      c: 'general',
      s: 12,
      u: 'bob',
      x: 'hello',
      at: m.at,
      rx: { '❤️': 1 },
    });
    expect(watchEventJson({ type: 'edit', c: 'general', m: { ...m, x: 'hi', ed: NOW } })).toEqual({ type: 'edit', c: 'general', s: 12, x: 'hi', ed: NOW });
    expect(watchEventJson({ type: 'delete', c: 'general', m })).toEqual({ type: 'delete', c: 'general', s: 12 });
    expect(watchEventJson({ type: 'reaction', c: 'general', m: { ...m, rx: { '👍': 1, '❤️': 4 } }, u: 'carol', e: '👍', on: true })).toEqual({
      type: 'reaction',
      c: 'general',
      s: 12,
      u: 'carol',
      e: '👍',
      on: true,
      rx: { '👍': 1, '❤️': 4 },
    });
    expect(watchEventJson({ type: 'typing', c: 'general', u: 'bob' })).toEqual({ type: 'typing', c: 'general', u: 'bob' });
    expect(watchEventJson({ type: 'presence', u: 'bob', on: false, at: NOW })).toEqual({ type: 'presence', u: 'bob', on: false, at: NOW });
  });
});
