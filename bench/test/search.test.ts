import { describe, expect, it } from 'vitest';
import { searchCorpusSize } from '../src/scenarios/search.js';
import { searchVocabulary } from '../src/seed.js';

describe('search scenario settings', () => {
  it('takes the corpus size from BENCH_SEARCH_MESSAGES, else 1,000,000 (100,000 with --quick)', () => {
    expect(searchCorpusSize(false, {})).toBe(1_000_000);
    expect(searchCorpusSize(true, {})).toBe(100_000);
    expect(searchCorpusSize(true, { BENCH_SEARCH_MESSAGES: '' })).toBe(100_000);
    expect(searchCorpusSize(false, { BENCH_SEARCH_MESSAGES: '250000' })).toBe(250_000);
    for (const bad of ['abc', '1e6', '-5', '999', ' 5000']) {
      expect(() => searchCorpusSize(false, { BENCH_SEARCH_MESSAGES: bad }), bad).toThrow(/BENCH_SEARCH_MESSAGES: a whole number from 1000/);
    }
  });

  it('makes the same vocabulary of distinct words every run', () => {
    const words = searchVocabulary(20_000);
    expect(words).toHaveLength(20_000);
    expect(new Set(words).size).toBe(20_000);
    expect(words.every((w) => /^[a-z]{4,}$/.test(w))).toBe(true);
    expect(searchVocabulary(20_000)).toEqual(words);
  });
});
