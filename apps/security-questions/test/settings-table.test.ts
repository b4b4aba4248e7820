import { SETTINGS } from '@tidings/service-kit';
import { expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../src/index.js';

it('the settings table (README.md) shows the defaults of the hash line this service keeps when TIDINGS_HASH_* are unset', () => {
  expect(SETTINGS.TIDINGS_HASH_CONCURRENCY.default).toBe(`\`${DEFAULT_SETTINGS.hashConcurrency}\``);
  expect(SETTINGS.TIDINGS_HASH_QUEUE.default).toBe(`\`${DEFAULT_SETTINGS.hashQueue}\``);
  expect(SETTINGS.TIDINGS_HASH_PER_CLIENT.default).toBe(`\`${DEFAULT_SETTINGS.hashPerClient}\``);
  expect(SETTINGS.TIDINGS_HASH_DEADLINE_MS.default).toBe(`\`${DEFAULT_SETTINGS.hashDeadlineMs}\``);
});
