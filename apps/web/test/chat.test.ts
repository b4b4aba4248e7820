import type { ConversationEvent, Message } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { ChatState, TYPING_SHOW_MS, TypingThrottle, newMessagesLine, peerOf, reactionChips, whoText } from '../src/state/chat.js';

const msg = (s: number, u = 'bob', x = `m${s}`): Message => ({ s, u, x, at: 1000 + s });
const live = (s: number, u = 'bob', c?: string): ConversationEvent => ({ t: 'm', ...msg(s, u), ...(c ? { c } : {}) });

function state(now = () => 0) {
  const chat = new ChatState('alice', now);
  chat.applySummaries([
    { c: 'general', kind: 'room', lastSeq: 5, readSeq: 2, last: msg(5) },
    { c: '@bob', kind: 'dm', lastSeq: 3, readSeq: 3, last: msg(3) },
  ]);
  return chat;
}

describe('unread counts', () => {
  it('count the messages after the read marker', () => {
    const chat = state();
    expect(chat.unread('general')).toBe(3);
    expect(chat.unread('@bob')).toBe(0);
    expect(chat.totalUnread()).toBe(3);
  });

  it('grow with live messages in conversations that are not on screen', () => {
    const chat = state();
    chat.open('@bob');
    chat.applyEvent('general', live(6));
    expect(chat.unread('general')).toBe(4);
  });

  it('are zero for the conversation being read, and count again while the page is hidden', () => {
    const chat = state();
    chat.open('general');
    expect(chat.unread('general')).toBe(0);
    chat.setVisible(false);
    chat.applyEvent('general', live(6));
    expect(chat.unread('general')).toBe(4);
  });

  it('do not count your own messages: sending moves your read marker', () => {
    const chat = state();
    chat.applyEvent('@bob', live(4, 'alice', '@bob'));
    expect(chat.unread('@bob')).toBe(0);
    chat.addOwn('general', 6, 2000, 'hi');
    expect(chat.get('general')!.readSeq).toBe(6);
    expect(chat.unread('general')).toBe(0);
  });

  it('follow the read marker moved by another device, never backwards', () => {
    const chat = state();
    expect(chat.applyEvent('x', { t: 'rd', c: 'general', s: 4 })).toBe('changed');
    expect(chat.unread('general')).toBe(1);
    expect(chat.applyEvent('x', { t: 'rd', c: 'general', s: 1 })).toBe('unchanged');
    expect(chat.get('general')!.readSeq).toBe(4);
  });
});

describe('the new-message line', () => {
  it('goes before the first message someone else wrote after the read marker when a conversation opens', () => {
    const chat = state();
    chat.addPage('general', [msg(1), msg(2), msg(3, 'alice'), msg(4), msg(5)], 5);
    chat.open('general');
    expect(chat.marker).toEqual({ ref: 'general', seq: 2 });
    expect(newMessagesLine(chat.get('general')!.log.messages(), chat.marker!.seq, 'alice')).toBe(4);
  });

  it('is absent when everything was read', () => {
    const chat = state();
    chat.open('@bob');
    expect(chat.marker).toBeNull();
    expect(newMessagesLine([msg(1)], null, 'alice')).toBeNull();
  });

  it('stays put while the conversation is open, even after the marker moves, and goes when you switch away', () => {
    const chat = state();
    chat.open('general');
    expect(chat.readTarget()).toEqual({ c: 'general', s: 5 });
    chat.markRead('general', 5);
    chat.applyEvent('general', live(6));
    expect(chat.marker).toEqual({ ref: 'general', seq: 2 });
    expect(chat.readTarget()).toEqual({ c: 'general', s: 6 });
    chat.markRead('general', 6);
    chat.open('@bob');
    chat.open('general');
    expect(chat.marker).toBeNull();
  });

  it('appears for messages that arrived while the page was hidden', () => {
    const chat = state();
    chat.open('@bob');
    chat.setVisible(false);
    chat.applyEvent('@bob', live(4, 'bob', '@bob'));
    expect(chat.readTarget()).toBeNull();
    chat.setVisible(true);
    expect(chat.marker).toEqual({ ref: '@bob', seq: 3 });
    expect(chat.readTarget()).toEqual({ c: '@bob', s: 4 });
  });
});

describe('the conversation list', () => {
  it('puts the most recently active conversation first', () => {
    const chat = state();
    expect(chat.list().map((c) => c.ref)).toEqual(['general', '@bob']);
    chat.applyEvent('@bob', { t: 'm', s: 4, u: 'bob', x: 'later', at: 99_999, c: '@bob' });
    expect(chat.list().map((c) => c.ref)).toEqual(['@bob', 'general']);
    expect(chat.get('@bob')!.last?.x).toBe('later');
  });

  it('drops rooms left on another device and keeps a direct conversation opened here until it has a message', () => {
    const chat = state();
    chat.open('@carol');
    expect(chat.list().map((c) => c.ref)).toContain('@carol');
    chat.applySummaries([{ c: '@bob', kind: 'dm', lastSeq: 3, readSeq: 3 }]);
    expect(chat.get('general')).toBeUndefined();
    expect(chat.list().map((c) => c.ref)).toEqual(['@bob', '@carol']);
    chat.open(null);
    expect(chat.list().map((c) => c.ref)).toEqual(['@bob']);
    expect(chat.memberRooms()).toEqual([]);
  });

  it('adds a direct conversation when its first message arrives', () => {
    const chat = state();
    chat.applyEvent('@dave', live(1, 'dave', '@dave'));
    expect(chat.get('@dave')).toMatchObject({ kind: 'dm', member: true, lastSeq: 1 });
    expect(chat.unread('@dave')).toBe(1);
  });

  it('shows edits and deletions of the last message in the preview', () => {
    const chat = state();
    chat.addPage('general', [msg(5)], 5);
    chat.applyEvent('general', { t: 'e', s: 5, x: 'fixed', ed: 3000 });
    expect(chat.get('general')!.last).toMatchObject({ x: 'fixed', ed: 3000 });
    chat.applyEvent('general', { t: 'd', s: 5 });
    expect(chat.get('general')!.last).toMatchObject({ x: '', del: true });
  });

  it('keeps each message once when the ack and the live event both bring it', () => {
    const chat = state();
    chat.addOwn('general', 6, 2000, ' hi ');
    chat.applyEvent('general', live(6, 'alice'));
    chat.addOwn('general', 6, 2000, 'hi');
    expect(
      chat
        .get('general')!
        .log.messages()
        .filter((m) => m.s === 6),
    ).toHaveLength(1);
  });

  it('says when the list of conversations changed elsewhere', () => {
    expect(state().applyEvent('x', { t: 'mb', c: 'random', on: true })).toBe('membership');
  });
});

describe('typing', () => {
  it('shows who is typing for a few seconds, never yourself, and stops when their message arrives', () => {
    let now = 0;
    const chat = state(() => now);
    chat.applyEvent('general', { t: 'ty', u: 'bob' });
    chat.applyEvent('general', { t: 'ty', u: 'alice' });
    chat.applyEvent('general', { t: 'ty', u: 'carol' });
    expect(chat.typingIn('general')).toEqual(['bob', 'carol']);
    expect(chat.typingExpiresAt()).toBe(TYPING_SHOW_MS);
    chat.applyEvent('general', live(6, 'bob'));
    expect(chat.typingIn('general')).toEqual(['carol']);
    now = TYPING_SHOW_MS;
    expect(chat.typingIn('general')).toEqual([]);
    expect(chat.typingExpiresAt()).toBeNull();
  });

  it('is announced at most once per interval per conversation', () => {
    let now = 0;
    const t = new TypingThrottle(2000, () => now);
    expect(t.take('general')).toBe(true);
    now = 1999;
    expect(t.take('general')).toBe(false);
    expect(t.take('@bob')).toBe(true);
    now = 2000;
    expect(t.take('general')).toBe(true);
    t.reset('general');
    expect(t.take('general')).toBe(true);
  });
});

describe('presence', () => {
  it('holds the last known state per user and forgets a cleared one', () => {
    const chat = state();
    chat.setPresence('bob', { on: false, at: 5 });
    expect(chat.presence.get('bob')).toEqual({ on: false, at: 5 });
    chat.setPresence('bob', null);
    expect(chat.presence.has('bob')).toBe(false);
    expect(peerOf('@bob')).toBe('bob');
    expect(peerOf('general')).toBeNull();
  });
});

describe('unread mentions', () => {
  it('start from the server’s count, grow with live mentions once each, and end when the conversation is read', () => {
    const chat = new ChatState('alice');
    chat.applySummaries([
      { c: 'general', kind: 'room', lastSeq: 5, readSeq: 2, mentions: 1, last: msg(5) },
      { c: 'ops', kind: 'room', lastSeq: 3, readSeq: 3, last: msg(3) },
    ]);
    expect(chat.mentions('general')).toBe(1);
    expect(chat.mentions('ops')).toBe(0);

    chat.applyEvent('general', live(6));
    expect(chat.applyEvent('general', { t: 'mn', c: 'general', s: 6, u: 'bob' })).toBe('changed');
    expect(chat.applyEvent('general', { t: 'mn', c: 'general', s: 6, u: 'bob' })).toBe('unchanged'); // delivered twice
    expect(chat.mentions('general')).toBe(2);
    // A mention of a message read already (on another device) counts for nothing.
    expect(chat.applyEvent('ops', { t: 'mn', c: 'ops', s: 3, u: 'bob' })).toBe('unchanged');
    expect(chat.mentions('ops')).toBe(0);

    chat.open('general');
    expect(chat.mentions('general')).toBe(0); // on screen
    chat.open(null);
    chat.markRead('general', 6);
    expect(chat.mentions('general')).toBe(0);
    chat.applyEvent('general', live(7));
    chat.applyEvent('general', { t: 'mn', c: 'general', s: 7, u: 'carol' });
    expect(chat.mentions('general')).toBe(1);
  });
});

describe('room events and removals in the log', () => {
  it('keep a room event as a line of history and mark the message a moderator removed', () => {
    const chat = state();
    chat.addPage('general', [msg(4), msg(5)], 5);
    chat.applyEvent('general', { t: 'm', s: 6, u: 'alice', x: '', at: 2000, ev: { k: 'remove', s: 4 } });
    expect(chat.get('general')!.log.get(4)).toMatchObject({ del: true, rb: 'alice', x: '' });
    expect(chat.get('general')!.last).toMatchObject({ s: 6, ev: { k: 'remove', s: 4 } });
  });
});

describe('reactions', () => {
  it('follow live events: the counts for everyone, your own from your other devices', () => {
    const chat = state();
    chat.addPage('general', [msg(1), msg(2)], 5);
    expect(chat.applyEvent('general', { t: 'r', s: 1, rx: { '👍': 1 }, u: 'bob', e: '👍', on: true })).toBe('changed');
    expect(chat.applyEvent('general', { t: 'r', s: 1, rx: { '👍': 2, '😂': 1 }, u: 'alice', e: '👍', on: true })).toBe('changed');
    expect(chat.get('general')!.log.get(1)).toMatchObject({ rx: { '👍': 2, '😂': 1 }, my: ['👍'] });
    expect(chat.applyEvent('general', { t: 'r', s: 1, rx: { '👍': 2, '😂': 1 }, u: 'alice', e: '👍', on: true })).toBe('unchanged');
    expect(chat.applyEvent('general', { t: 'r', s: 9, rx: { '👍': 1 }, u: 'bob', e: '👍', on: true })).toBe('unchanged');
    expect(reactionChips(chat.get('general')!.log.get(1)!)).toEqual([
      { e: '👍', n: 2, mine: true },
      { e: '😂', n: 1, mine: false },
    ]);
    expect(reactionChips(msg(2))).toEqual([]);
  });

  it('say who in the tooltip: you first, and how many more than were listed', () => {
    expect(whoText('❤️', 3, undefined, 'alice')).toBe('❤️ 3');
    expect(whoText('❤️', 3, ['bob', 'alice', 'carol'], 'alice')).toBe('❤️ you, bob, carol');
    expect(whoText('🎉', 53, ['bob', 'carol'], 'alice')).toBe('🎉 bob, carol and 51 more');
  });
});
