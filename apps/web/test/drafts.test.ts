import { TEXT_MAX } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { Drafts, DRAFTS_MAX } from '../src/state/drafts.js';
import { forgetUser, userKey } from '../src/state/identity.js';
import { memoryStore } from '../src/state/storage.js';

describe('drafts', () => {
  const make = (data = new Map<string, string>()) => {
    let t = 1000;
    return { data, drafts: new Drafts(memoryStore(data), userKey('ann', 'draft:'), () => t++) };
  };

  it('keeps the text per conversation across a reload, spaces and all', () => {
    const { data, drafts } = make();
    drafts.set('general', 'half a thought ');
    drafts.set('@bob', 'hi 1 2');
    const reloaded = make(data).drafts;
    expect(reloaded.get('general')).toBe('half a thought ');
    expect(reloaded.get('@bob')).toBe('hi 1 2');
    expect(reloaded.get('other')).toBe('');
  });

  it('an empty (or sent) draft is removed', () => {
    const { data, drafts } = make();
    drafts.set('general', 'x');
    drafts.set('general', '');
    expect(drafts.get('general')).toBe('');
    expect(data.size).toBe(0);
  });

  it(`keeps at most ${DRAFTS_MAX}, dropping the least recently typed`, () => {
    const { data, drafts } = make();
    for (let i = 0; i < DRAFTS_MAX; i++) drafts.set(`r${i}`, `draft ${i}`);
    drafts.set('r0', 'typed again'); // r0 is now the newest, r1 the oldest
    drafts.set('new', 'one more');
    expect(data.size).toBe(DRAFTS_MAX);
    expect(drafts.get('r1')).toBe('');
    expect(drafts.get('r0')).toBe('typed again');
    expect(drafts.get('new')).toBe('one more');
    expect(drafts.get('r2')).toBe('draft 2');
  });

  it(`cuts a draft to ${TEXT_MAX} characters (code points)`, () => {
    const { drafts } = make();
    drafts.set('general', '😀'.repeat(TEXT_MAX + 10));
    expect([...drafts.get('general')].length).toBe(TEXT_MAX);
    drafts.set('general', 'a'.repeat(TEXT_MAX));
    expect(drafts.get('general')).toHaveLength(TEXT_MAX);
  });

  it('signing out forgets them', () => {
    const { data, drafts } = make();
    drafts.set('general', 'secret plans');
    forgetUser(memoryStore(data), 'ann');
    expect(drafts.get('general')).toBe('');
  });
});
