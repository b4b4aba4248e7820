import { describe, expect, it } from 'vitest';
import { replyText } from '../src/ui/ConversationView.js';
import { colourOf, dayName, initials } from '../src/ui/MessageList.js';

describe('the message view', () => {
  it('makes avatar initials from a name: one letter, or two for a name in parts', () => {
    expect(initials('alice')).toBe('A');
    expect(initials('bob.smith')).toBe('BS');
    expect(initials('x_y-z')).toBe('XY');
    expect(initials('_')).toBe('?');
  });

  it('gives a name always the same of the eight avatar colours', () => {
    expect(colourOf('alice')).toBe(colourOf('alice'));
    const colours = new Set(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'].map(colourOf));
    for (const c of colours) expect(c >= 0 && c < 8).toBe(true);
    expect(colours.size).toBeGreaterThan(3);
  });

  it('names days: today, yesterday, then the date (with the year when not this year)', () => {
    const now = new Date(2026, 11, 7, 9, 30).getTime();
    expect(dayName(new Date(2026, 11, 7, 0, 1).getTime(), now)).toBe('Today');
    expect(dayName(new Date(2026, 11, 6, 23, 59).getTime(), now)).toBe('Yesterday');
    expect(dayName(new Date(2026, 11, 1, 12).getTime(), now)).not.toMatch(/2026/);
    expect(dayName(new Date(2025, 11, 1, 12).getTime(), now)).toMatch(/2025/);
  });

  it('quotes a message in a reply: its own quotes left out, 3 lines and 200 characters at most, then a mention of its author', () => {
    const m = { s: 1, u: 'bob', at: 0, x: '> what alice said\nfirst line\n\nsecond line\nthird line\nfourth line' };
    expect(replyText(m, 'alice')).toBe('> first line\n> second line\n> third line\n@bob ');
    expect(replyText({ ...m, u: 'alice' }, 'alice')).toBe('> first line\n> second line\n> third line\n');
    const long = replyText({ ...m, x: 'y'.repeat(500) }, 'alice');
    expect(long).toBe(`> ${'y'.repeat(199)}…\n@bob `);
  });
});
