import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AnyReply,
  ERROR_CODES,
  ErrorReply,
  OkReply,
  ErrorCodes,
  LoginRequest,
  MENTIONS_MAX,
  MUTE_MAX_SECONDS,
  Message,
  MuteRequest,
  ROOM_TOPIC_MAX,
  TopicRequest,
  mentionsIn,
  REACTIONS,
  Reaction,
  ReactionCounts,
  canonicalCounts,
  reactionOf,
  roleRank,
  RegisterRequest,
  TidingsError,
  operations,
  passwordProblem,
  usernameProblem,
  HistoryRequest,
  textProblem,
  ConversationEvent,
  ACTIONS,
  ClientString,
  NOT_WELL_FORMED_MESSAGE,
  NUL_MESSAGE,
  isWellFormedByRegex,
  isWellFormedText,
  type Action,
} from '../src/index.js';

describe('auth schemas', () => {
  it('trims and lower-cases usernames so they are unique case-insensitively', () => {
    const parsed = RegisterRequest.parse({ id: '1', username: '  Alice ', password: 'correct horse' });
    expect(parsed.username).toBe('alice');
  });

  it('rejects requests without a correlation id or with wrong types', () => {
    expect(LoginRequest.safeParse({ username: 'alice', password: 'x' }).success).toBe(false);
    expect(LoginRequest.safeParse({ id: 1, username: 'alice', password: 'x' }).success).toBe(false);
    expect(LoginRequest.safeParse({ id: '1', username: ['alice'], password: 'x' }).success).toBe(false);
    expect(LoginRequest.safeParse({ id: '', username: 'alice', password: 'x' }).success).toBe(false);
  });

  it('states the username rules', () => {
    expect(usernameProblem('al')).toMatch(/3–32/);
    expect(usernameProblem('a'.repeat(33))).toMatch(/3–32/);
    expect(usernameProblem('al ice')).toMatch(/a-z/);
    expect(usernameProblem('ali_ce.b-1')).toBeNull();
    expect(usernameProblem('svc')).toMatch(/reserved/);
  });

  it('states the password rules', () => {
    expect(passwordProblem('short', 'alice')).toMatch(/at least 8/);
    expect(passwordProblem('x'.repeat(257), 'alice')).toMatch(/at most 256/);
    expect(passwordProblem('Alice123', 'alice123')).toMatch(/username/);
    expect(passwordProblem('a long enough one', 'alice')).toBeNull();
    // counted in characters, not UTF-16 units
    expect(passwordProblem('🔑'.repeat(8), 'alice')).toBeNull();
  });
});

describe('replies and errors', () => {
  it('reads result and error replies and refuses unknown error codes', () => {
    expect(AnyReply.safeParse({ id: 'a', r: { x: 1 } }).success).toBe(true);
    expect(AnyReply.safeParse({ id: null, e: { code: 'BAD_REQUEST', message: 'no' } }).success).toBe(true);
    expect(AnyReply.safeParse({ id: 'a', e: { code: 'RATE_LIMITED', message: 'wait', retryAfter: 3 } }).success).toBe(true);
    expect(AnyReply.safeParse({ id: 'a', e: { code: 'NOPE', message: 'no' } }).success).toBe(false);
  });

  it('refuses replies that are neither a result nor an error', () => {
    expect(AnyReply.safeParse({ id: 'a' }).success).toBe(false);
    // a result needs a correlation id; only an error may have none
    expect(AnyReply.safeParse({ id: null, r: { x: 1 } }).success).toBe(false);
    // the old envelope is not read as a result
    expect(AnyReply.safeParse({ id: 'a', ok: true, data: { x: 1 } }).success).toBe(false);
    expect(AnyReply.safeParse({ id: 'a', e: 'no' }).success).toBe(false);
  });

  it('writes the one-letter envelope keys, nothing more', () => {
    expect(JSON.stringify(OkReply(z.object({ s: z.number() })).parse({ id: 'a', r: { s: 1 } }))).toBe('{"id":"a","r":{"s":1}}');
    expect(ErrorReply.safeParse({ id: 'a', e: { code: 'FORBIDDEN', message: 'no' } }).success).toBe(true);
  });

  it('gives every error code a documented meaning and a default message', () => {
    for (const code of ERROR_CODES) {
      expect(ErrorCodes[code].length).toBeGreaterThan(10);
      expect(new TidingsError(code).message).toBe(ErrorCodes[code]);
    }
    const err = new TidingsError('RATE_LIMITED', 'slow down', { retryAfter: 30 });
    expect(err.retryAfter).toBe(30);
    expect(err.code).toBe('RATE_LIMITED');
  });

  it('has a request and a result schema for every operation', () => {
    for (const op of Object.values(operations)) {
      expect(op.request.safeParse({}).success).toBe(false); // the id is always required
      expect(op.result).toBeDefined();
    }
  });
});

describe('chat schemas', () => {
  it('refuses a history request with both before and after, or a limit over 100', () => {
    expect(HistoryRequest.safeParse({ id: '1', c: 'general', before: 5, after: 2 }).success).toBe(false);
    expect(HistoryRequest.safeParse({ id: '1', c: 'general', limit: 101 }).success).toBe(false);
    expect(HistoryRequest.safeParse({ id: '1', c: 'general', after: 0, limit: 100 }).success).toBe(true);
  });

  it('states the text rules after trimming', () => {
    expect(textProblem('   ')).toMatch(/empty/);
    expect(textProblem('x'.repeat(4001))).toMatch(/4000/);
    expect(textProblem(` ${'x'.repeat(4000)} `)).toBeNull();
  });

  it('reads every kind of live event and refuses an unknown one', () => {
    expect(ConversationEvent.safeParse({ t: 'm', s: 1, u: 'alice', x: 'hi', at: 1 }).success).toBe(true);
    expect(ConversationEvent.safeParse({ t: 'r', s: 1, rx: { '👍': 2 }, u: 'bob', e: '👍', on: true }).success).toBe(true);
    expect(ConversationEvent.safeParse({ t: 'r', s: 1, rx: {}, u: 'bob', e: '👍', on: false }).success).toBe(true);
    expect(ConversationEvent.safeParse({ t: 'r', s: 1, rx: { '👎': 1 }, u: 'bob', e: '👍', on: true }).success).toBe(false);
    expect(ConversationEvent.safeParse({ t: 'l', s: 1, n: 2 }).success).toBe(false); // the like count event of old: reactions now
    expect(ConversationEvent.safeParse({ t: 'zz', s: 1 }).success).toBe(false);
  });
});

describe('client strings', () => {
  const LONE = ['\ud800', '\udfff', 'a\ud83d', '\ude00b', '\ud83d\ud83d\ude00'];
  const GOOD = ['', 'plain', 'émoji 😀 and ß', '\ud83d\ude00', 'tab\tand\nnewline', 'U+FFFD \ufffd'];

  it('tells well-formed Unicode from a lone surrogate, with isWellFormed and with the regex older browsers fall back on', () => {
    for (const s of GOOD) {
      expect(isWellFormedText(s), JSON.stringify(s)).toBe(true);
      expect(isWellFormedByRegex(s), JSON.stringify(s)).toBe(true);
    }
    for (const s of LONE) {
      expect(isWellFormedText(s), JSON.stringify(s)).toBe(false);
      expect(isWellFormedByRegex(s), JSON.stringify(s)).toBe(false);
    }
  });

  it('refuses a lone surrogate and U+0000 in every string field of every request schema', () => {
    // A valid request of each action with string fields, and the fields that are strings.
    const valid: Partial<Record<Action, Record<string, unknown>>> = {
      'auth.register': { username: 'alice', password: 'a good password' },
      'auth.login': { username: 'alice', password: 'a good password', device: 'laptop' },
      'auth.logout': { sessionId: 'session-1' },
      'auth.passwd': { currentPassword: 'a good password', newPassword: 'a better one', sessionId: 'session-1' },
      'auth.sessions': { sessionId: 'session-1' },
      'auth.revoke': { sessionId: 'session-1' },
      'auth.rename': { sessionId: 'session-1', name: 'Work laptop' },
      'chat.send': { c: 'general', x: 'hello' },
      'chat.edit': { c: 'general', s: 1, x: 'hello' },
      'chat.delete': { c: '@bob', s: 1 },
      'chat.read': { c: 'general', s: 1 },
      'chat.history': { c: 'general' },
      'chat.search': { q: 'hello world', c: 'general', before: '12' },
      'chat.typing': { c: 'general' },
      'room.create': { name: 'newroom', topic: 'what we talk about' },
      'room.invite': { name: 'newroom', u: 'bob' },
      'room.kick': { name: 'newroom', u: 'bob' },
      'room.ban': { name: 'newroom', u: 'bob' },
      'room.unban': { name: 'newroom', u: 'bob' },
      'room.mute': { name: 'newroom', u: 'bob', seconds: 600 },
      'room.role': { name: 'newroom', u: 'bob', role: 'mod' },
      'room.topic': { name: 'newroom', topic: 'a new topic' },
      'room.info': { name: 'newroom' },
      'room.members': { name: 'newroom', after: 'bob' },
      'room.list': { after: 'dev' },
      'chat.conversations': { after: 'dev' },
      'user.list': { after: 'bob' },
      'room.join': { name: 'general' },
      'room.leave': { name: 'general' },
      'reaction.add': { c: 'general', s: 1, e: '👍' },
      'reaction.remove': { c: 'general', s: 1, e: '❤️' },
      'reaction.who': { c: 'general', s: 1, e: '😢' },
      'like.add': { c: 'general', s: 1 },
      'like.remove': { c: 'general', s: 1 },
      'recovery.question': { username: 'alice' },
      'recovery.reset': { username: 'alice', answer: 'rex', newPassword: 'a better one' },
      'recovery.code': { username: 'alice', code: 'abcde-fghjk', newPassword: 'a better one' },
      'security.set': { question: 'What was my first pet?', answer: 'rex', currentPassword: 'a good password' },
      'recovery.codes': { currentPassword: 'a good password' },
    };
    let checked = 0;
    for (const action of ACTIONS) {
      const schema = operations[action].request;
      const body = { ...(action === 'chat.typing' ? {} : { id: 'r1' }), ...valid[action] };
      expect(schema.safeParse(body).success, `${action} valid`).toBe(true);
      for (const [key, value] of Object.entries(body)) {
        if (typeof value !== 'string') continue;
        for (const bad of [`${value}\ud800`, `\udc00${value}`, `${value}\u0000`]) {
          const result = schema.safeParse({ ...body, [key]: bad });
          expect(result.success, `${action}.${key} = ${JSON.stringify(bad)}`).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('says what is wrong', () => {
    expect(ClientString.safeParse('a\ud800').error?.issues[0]?.message).toBe(NOT_WELL_FORMED_MESSAGE);
    expect(ClientString.safeParse('a\u0000').error?.issues[0]?.message).toBe(NUL_MESSAGE);
    // chat.send and chat.edit answer the same text the same way
    const send = operations['chat.send'].request.safeParse({ id: 'a', c: 'general', x: 'hi \ud800' });
    const edit = operations['chat.edit'].request.safeParse({ id: 'a', c: 'general', s: 1, x: 'hi \ud800' });
    expect(send.error?.issues[0]).toMatchObject({ path: ['x'], message: NOT_WELL_FORMED_MESSAGE });
    expect(edit.error?.issues[0]).toMatchObject({ path: ['x'], message: NOT_WELL_FORMED_MESSAGE });
  });
});

describe('reactions', () => {
  it('takes exactly the emoji of the set, nothing else', () => {
    expect(REACTIONS).toEqual(['👍', '❤️', '😂', '🎉', '😮', '😢']);
    for (const e of REACTIONS) expect(Reaction.safeParse(e).success, e).toBe(true);
    for (const e of ['❤', '👎', '👍🏽', '👍👍', ' 👍', 'heart', '', 1]) expect(Reaction.safeParse(e).success, String(e)).toBe(false);
    expect(ReactionCounts.safeParse({ '👍': 0 }).success).toBe(false);
    expect(ReactionCounts.safeParse({ '👍': 1.5 }).success).toBe(false);
    expect(ReactionCounts.safeParse({ '👍': 3, '😢': 1 }).success).toBe(true);
  });

  it('reads an emoji as people type it, with or without the variation selector', () => {
    expect(reactionOf('❤')).toBe('❤️');
    expect(reactionOf(' ❤️ ')).toBe('❤️');
    expect(reactionOf('👍\ufe0f')).toBe('👍');
    expect(reactionOf('👎')).toBeNull();
    expect(reactionOf('')).toBeNull();
  });

  it('writes counts in the set’s order without zeros', () => {
    expect(JSON.stringify(canonicalCounts({ '😢': 1, '👍': 2, '🎉': 0, '👎': 4 }))).toBe('{"👍":2,"😢":1}');
  });
});

describe('mentionsIn', () => {
  it('finds @names at a word start, lower-cased, distinct, in order', () => {
    expect(mentionsIn('@Bob and @alice, then @bob again (@carol.)')).toEqual(['bob', 'alice', 'carol']);
  });
  it('ignores addresses, too-short names and names inside words', () => {
    expect(mentionsIn('write to mail@example.com or x@bob; @ab is too short; a@@bob')).toEqual([]);
  });
  it(`records at most ${MENTIONS_MAX} names`, () => {
    const text = Array.from({ length: MENTIONS_MAX + 5 }, (_, i) => `@user${i}`).join(' ');
    expect(mentionsIn(text)).toHaveLength(MENTIONS_MAX);
  });
});

describe('room schemas', () => {
  it('bounds a topic and a mute', () => {
    expect(TopicRequest.safeParse({ id: 'r1', name: 'dev', topic: 'x'.repeat(ROOM_TOPIC_MAX) }).success).toBe(true);
    expect(TopicRequest.safeParse({ id: 'r1', name: 'dev', topic: 'x'.repeat(ROOM_TOPIC_MAX + 1) }).success).toBe(false);
    expect(MuteRequest.safeParse({ id: 'r1', name: 'dev', u: 'bob', seconds: MUTE_MAX_SECONDS + 1 }).success).toBe(false);
    expect(MuteRequest.safeParse({ id: 'r1', name: 'dev', u: 'bob', seconds: -1 }).success).toBe(false);
  });
  it('ranks roles so that one acts only on lower ones', () => {
    expect(roleRank('owner')).toBeGreaterThan(roleRank('mod'));
    expect(roleRank('mod')).toBeGreaterThan(roleRank('member'));
    expect(roleRank('member')).toBeGreaterThan(roleRank(null));
  });
  it('carries a room event in a message', () => {
    const m = { s: 3, u: 'alice', x: '', at: 1, ev: { k: 'mute', w: 'bob', until: 2 } };
    expect(Message.parse(m)).toEqual(m);
    expect(Message.safeParse({ ...m, ev: { k: 'mute', w: 'bob' } }).success).toBe(false);
  });
});
