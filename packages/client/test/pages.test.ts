import { describe, expect, it } from 'vitest';
import { readAllPages } from '../src/index.js';

describe('readAllPages', () => {
  it('reads page after page with the previous next until more is false', async () => {
    const asked: (string | undefined)[] = [];
    const pages = await readAllPages((after) => {
      asked.push(after);
      const at = after === undefined ? 0 : Number(after);
      return Promise.resolve(at < 3 ? { items: [at], more: true, next: String(at + 1) } : { items: [at], more: false });
    });
    expect(asked).toEqual([undefined, '1', '2', '3']);
    expect(pages.flatMap((p) => p.items)).toEqual([0, 1, 2, 3]);
  });

  it('stops at a page that gives no new cursor, and after maxPages', async () => {
    let calls = 0;
    await readAllPages(() => (calls++, Promise.resolve({ more: true, next: 'same' })));
    expect(calls).toBe(2); // the second page repeats the cursor: stop
    calls = 0;
    await readAllPages(() => (calls++, Promise.resolve({ more: true })));
    expect(calls).toBe(1);
    calls = 0;
    await readAllPages((after) => (calls++, Promise.resolve({ more: true, next: `${after ?? ''}x` })), 5);
    expect(calls).toBe(5);
  });
});
