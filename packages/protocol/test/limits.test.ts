import { describe, expect, it } from 'vitest';
import {
  ConversationSummary,
  EVENTS_LIMIT_MAX,
  EventsResult,
  SESSION_NAME_MAX,
  SessionsResult,
  LIST_LIMIT_MAX,
  MAX_PACKET_BYTES,
  MAX_REPLY_BYTES,
  MAX_REQUEST_BYTES,
  Message,
  PAGE_BYTES,
  TEXT_MAX,
  jsonBytes,
  publishPacketBytes,
  topics,
  utf8Bytes,
} from '../src/index.js';

/** The largest message there is: 4,000 characters JSON writes as 6-byte escapes, every optional field, the largest numbers. */
const LARGEST_MESSAGE = Message.parse({
  s: 2 ** 31 - 1,
  u: 'u'.repeat(32),
  x: '\u0001'.repeat(TEXT_MAX),
  at: 8.64e15,
  ed: 8.64e15,
  rx: { '👍': 2 ** 31 - 1, '❤️': 2 ** 31 - 1, '😂': 2 ** 31 - 1, '🎉': 2 ** 31 - 1, '😮': 2 ** 31 - 1, '😢': 2 ** 31 - 1 },
  my: ['👍', '❤️', '😂', '🎉', '😮', '😢'],
});

describe('packet and page limits', () => {
  it('are in the documented numbers', () => {
    expect({ MAX_PACKET_BYTES, MAX_REQUEST_BYTES, MAX_REPLY_BYTES, PAGE_BYTES, LIST_LIMIT_MAX }).toEqual({
      MAX_PACKET_BYTES: 65_536,
      MAX_REQUEST_BYTES: 16_384,
      MAX_REPLY_BYTES: 61_440,
      PAGE_BYTES: 57_344,
      LIST_LIMIT_MAX: 500,
    });
  });

  it('always admit the largest message and the largest conversation summary in a page', () => {
    const message = jsonBytes(LARGEST_MESSAGE);
    expect(message).toBeGreaterThan(24_000);
    expect(message).toBeLessThanOrEqual(PAGE_BYTES);
    const summary = ConversationSummary.parse({
      c: `@${'u'.repeat(32)}`,
      kind: 'dm',
      lastSeq: 2 ** 31 - 1,
      readSeq: 2 ** 31 - 1,
      unread: 2 ** 31 - 1,
      last: LARGEST_MESSAGE,
    });
    expect(jsonBytes(summary)).toBeLessThanOrEqual(PAGE_BYTES);
  });

  it('leave room in a reply for the fields around a full page, and in a packet for the reply topic', () => {
    // The largest envelope of a page: a 64-character id and ref of 6-byte escapes, the largest numbers, a cursor.
    const id = '\u0001'.repeat(64);
    const envelope = jsonBytes({ id, r: { c: id, messages: [], more: true, lastSeq: 2 ** 31 - 1, next: id.repeat(4) } });
    expect(PAGE_BYTES + envelope).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    // The longest reply topic: t/r/<username of 32>:<device of 64>, and a service client id.
    const topic = topics.reply(`${'u'.repeat(32)}:${'d'.repeat(64)}`);
    expect(publishPacketBytes(topic, MAX_REPLY_BYTES, 1)).toBeLessThanOrEqual(MAX_PACKET_BYTES);
  });

  it('fit the replies bounded by count alone: 100 sessions, 100 account events', () => {
    const t = 8.64e15;
    const sessions = Array.from({ length: 100 }, () => ({
      id: 's'.repeat(64),
      device: 'd'.repeat(40),
      name: '😀'.repeat(SESSION_NAME_MAX), // 4 bytes each: the longest name in bytes
      createdAt: t,
      lastSeenAt: t,
      expiresAt: t,
      current: false,
    }));
    // with the longest names a full list takes ≈ 52 KB: it still fits one reply (an account keeps 10 sessions by default)
    expect(jsonBytes({ id: 'i'.repeat(64), r: SessionsResult.parse({ sessions }) })).toBeLessThan(MAX_REPLY_BYTES);
    const events = Array.from({ length: EVENTS_LIMIT_MAX }, () => ({ kind: 'signed-in', at: t, detail: 'd'.repeat(40) }));
    expect(jsonBytes({ id: 'i'.repeat(64), r: EventsResult.parse({ events }) })).toBeLessThan(MAX_REPLY_BYTES / 2);
  });

  it('count UTF-8 bytes as Node does', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', '\u0001', 'a😀é€\u0000', '\ud800', 'x\udc00y', '\ud83d\ude00\ud83d']) {
      expect(utf8Bytes(text), JSON.stringify(text)).toBe(Buffer.byteLength(text));
      expect(jsonBytes({ x: text })).toBe(Buffer.byteLength(JSON.stringify({ x: text })));
    }
  });

  it('size a PUBLISH packet as MQTT 3.1.1 frames it', () => {
    expect(publishPacketBytes('a/b', 10, 0)).toBe(1 + 1 + 2 + 3 + 10);
    expect(publishPacketBytes('a/b', 10, 1)).toBe(1 + 1 + 2 + 3 + 2 + 10);
    expect(publishPacketBytes('t', 200, 1)).toBe(1 + 2 + 2 + 1 + 2 + 200); // remaining length 205 takes 2 bytes
    expect(publishPacketBytes('t', 20_000, 1)).toBe(1 + 3 + 2 + 1 + 2 + 20_000);
  });
});
