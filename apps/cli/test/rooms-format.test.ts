import type { Message, RoomEvent } from '@tidings/protocol';
import { MUTE_MAX_SECONDS } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/command.js';
import { durationOf, formatDuration } from '../src/chat/args.js';
import { formatMessage, formatMessages, formatRooms, type Clock } from '../src/chat/format.js';
import { watchEventJson, watchEventText } from '../src/chat/watch-output.js';
import { formatRoomInfo } from '../src/commands/info.js';
import { formatMembers } from '../src/commands/members.js';

const NOW = Date.UTC(2026, 10, 20, 15, 30); // 2026-11-20 15:30 UTC
const clock: Clock = { now: NOW, timeZone: 'UTC' };
const at = (day: number, hh: number, mm: number) => Date.UTC(2026, 10, day, hh, mm);
const event = (s: number, u: string, ev: RoomEvent): Message => ({ s, u, x: '', at: at(20, 14, 3), ev });

describe('room events in history and watch', () => {
  it('prints each kind of room event as one line after its number and time', () => {
    const lines = [
      event(1, 'alice', { k: 'invite', w: 'bob' }),
      event(2, 'alice', { k: 'kick', w: 'bob' }),
      event(3, 'alice', { k: 'ban', w: 'bob' }),
      event(4, 'alice', { k: 'unban', w: 'bob' }),
      event(5, 'alice', { k: 'mute', w: 'bob', until: at(20, 16, 5) }),
      event(6, 'alice', { k: 'mute', w: 'bob', until: at(22, 9, 0) }),
      event(7, 'alice', { k: 'unmute', w: 'bob' }),
      event(8, 'alice', { k: 'role', w: 'bob', role: 'mod' }),
      event(9, 'alice', { k: 'role', w: 'bob', role: 'member' }),
      event(10, 'alice', { k: 'role', w: 'bob', role: 'owner' }),
      event(11, 'bob', { k: 'topic', x: 'release\nplanning' }),
      event(12, 'bob', { k: 'topic', x: '' }),
      event(13, 'bob', { k: 'remove', s: 4 }),
    ].map((m) => formatMessage(m, clock));
    expect(lines).toEqual([
      '#1  14:03  * alice added bob',
      '#2  14:03  * alice kicked bob',
      '#3  14:03  * alice banned bob',
      '#4  14:03  * alice unbanned bob',
      '#5  14:03  * alice muted bob until 16:05',
      '#6  14:03  * alice muted bob until 2026-11-22 09:00',
      '#7  14:03  * alice unmuted bob',
      '#8  14:03  * alice made bob a moderator',
      '#9  14:03  * alice made bob a member (no longer a moderator)',
      '#10  14:03  * alice handed the room over to bob',
      '#11  14:03  * bob set the topic: release planning',
      '#12  14:03  * bob cleared the topic',
      '#13  14:03  * bob removed message #4',
    ]);
  });

  it('never lets a topic drive the terminal', () => {
    expect(formatMessage(event(1, 'eve', { k: 'topic', x: '\u001b[2Jhi\u202e' }), clock)).toBe('#1  14:03  * eve set the topic: \uFFFD[2Jhi\uFFFD');
  });

  it('shows a message a moderator removed as removed, apart from one its sender deleted', () => {
    const removed: Message = { s: 4, u: 'bob', x: '', at: at(20, 14, 3), del: true, rb: 'alice' };
    expect(formatMessages([removed, { ...removed, s: 5, rb: undefined }], clock)).toBe('#4  14:03  bob: [removed by a moderator]\n#5  14:03  bob: (deleted)');
    expect(watchEventText({ type: 'delete', c: 'club', m: removed }, clock)).toEqual({ out: '#4  14:03  bob: [removed by a moderator]' });
    expect(watchEventJson({ type: 'delete', c: 'club', m: removed })).toEqual({ type: 'delete', c: 'club', s: 4, rb: 'alice' });
  });

  it('says on stderr who mentioned you in another conversation, and gives it as JSON', () => {
    expect(watchEventText({ type: 'mention', c: 'ops', s: 12, u: 'bob' }, clock)).toEqual({ err: 'bob mentioned you in ops#12' });
    expect(watchEventJson({ type: 'mention', c: '@bob', s: 3, u: 'bob' })).toEqual({ type: 'mention', c: '@bob', s: 3, u: 'bob' });
  });

  it('says on stderr when you are removed from the room watched, or added again', () => {
    expect(watchEventText({ type: 'membership', c: 'club', on: false }, clock)).toEqual({ err: 'you are no longer in club' });
    expect(watchEventText({ type: 'membership', c: 'club', on: true }, clock)).toEqual({ err: 'you are in club now' });
  });
});

describe('rooms, members and room info', () => {
  it('marks private rooms and counts the unread messages that mention you', () => {
    const text = formatRooms([
      { name: 'general', members: 3, lastSeq: 40, joined: true, unread: 2 },
      { name: 'staff', members: 2, lastSeq: 9, joined: true, private: true, unread: 3, mentions: 1 },
      { name: 'ops', members: 4, lastSeq: 9, joined: true, unread: 5, mentions: 2 },
      { name: 'random', members: 12, lastSeq: 9, joined: false },
    ]);
    expect(text.split('\n')).toEqual([
      '*  general  3 members            2 unread',
      '*  staff    2 members   private  3 unread, 1 mention of you',
      '*  ops      4 members            5 unread, 2 mentions of you',
      '   random   12 members           not joined',
    ]);
  });

  it('lists members with their roles and mutes in force, and bans with who and when', () => {
    const members = formatMembers(
      [
        { u: 'alice', role: 'owner' },
        { u: 'bob', role: 'mod' },
        { u: 'carol', role: 'member', mutedUntil: at(20, 16, 0) },
        { u: 'dave', role: 'member', mutedUntil: at(20, 15, 0) }, // over already
      ],
      false,
      clock,
    );
    expect(members.split('\n')).toEqual(['alice  owner', 'bob    moderator', 'carol  member     muted until 16:00', 'dave   member', '4 members']);
    expect(formatMembers([{ u: 'eve', by: 'alice', at: at(19, 9, 30) }], true, clock)).toBe('eve  banned by alice  2026-11-19 09:30');
    expect(formatMembers([], true, clock)).toBe('nobody is banned');
  });

  it('shows a room’s kind, topic, owner and where you stand', () => {
    expect(
      formatRoomInfo(
        { name: 'staff', private: true, topic: 'pay\nday', owner: 'alice', members: 2, lastSeq: 1, role: 'member', mutedUntil: at(20, 16, 0) },
        clock,
      ).split('\n'),
    ).toEqual(['staff  private (invite only), 2 members, 1 message', 'topic: pay day', 'owner: alice', 'you:   a member, muted until 16:00']);
    expect(formatRoomInfo({ name: 'general', private: false, members: 1, lastSeq: 0 }, clock).split('\n')).toEqual([
      'general  public, 1 member, 0 messages',
      'topic: (none)',
      'owner: (nobody)',
      'you:   not a member',
    ]);
  });
});

describe('mute durations', () => {
  it('reads seconds, minutes, hours and days, and sums of them', () => {
    expect(durationOf('30s')).toBe(30);
    expect(durationOf('10m')).toBe(600);
    expect(durationOf('2h')).toBe(7200);
    expect(durationOf('1d')).toBe(86_400);
    expect(durationOf(' 1H30m ')).toBe(5400);
    expect(durationOf('30d')).toBe(MUTE_MAX_SECONDS);
  });

  it('reads 0 as lifting the mute', () => {
    expect(durationOf('0')).toBe(0);
    expect(durationOf('00')).toBe(0);
  });

  it.each([
    ['10', 'not a duration: 10 (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)'],
    ['ten minutes', 'not a duration: ten minutes (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)'],
    ['-5m', 'not a duration: -5m (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)'],
    ['1.5h', 'not a duration: 1.5h (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)'],
    ['1w', 'not a duration: 1w (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)'],
    ['', 'not a duration:  (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)'],
    ['0m', 'a mute lasts at least 1 s: 0m (0 lifts the mute)'],
    ['31d', 'a mute lasts at most 30 days (30d): 31d'],
    ['30d1s', 'a mute lasts at most 30 days (30d): 30d1s'],
    ['99999999999h', 'not a duration: 99999999999h (write it like 30s, 10m, 2h, 1d or 1h30m; 0 lifts the mute)'],
  ])('refuses %j with a usage error', (raw, message) => {
    expect(() => durationOf(raw)).toThrow(new UsageError(message));
  });

  it('says a duration back in words', () => {
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(5400)).toBe('1 h 30 min');
    expect(formatDuration(86_400 + 45)).toBe('1 d 45 s');
    expect(formatDuration(0)).toBe('0 s');
  });
});
