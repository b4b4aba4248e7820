import path from 'node:path';
import { connectGuest } from '@tidings/client';
import { describeServiceMain } from '@tidings/testkit';
import { expect } from 'vitest';

describeServiceMain({
  service: 'auth',
  script: path.resolve(import.meta.dirname, '../dist/main.js'),
  does: 'serves requests',
  env: {
    TIDINGS_SESSION_TTL_DAYS: '2',
    TIDINGS_HASH_CONCURRENCY: '1',
    TIDINGS_HASH_QUEUE: '4',
    TIDINGS_HASH_PER_CLIENT: '1',
    TIDINGS_HASH_DEADLINE_MS: '3000',
  },
  async exercise(stack) {
    const guest = await connectGuest({ url: stack.url });
    await guest.request('auth.register', { username: 'alice', password: 'a main-process password' });
    const login = await guest.request('auth.login', { username: 'alice', password: 'a main-process password' });
    // TIDINGS_SESSION_TTL_DAYS=2 took effect
    expect(login.expiresAt - Date.now()).toBeGreaterThan(2 * 24 * 3600_000 - 60_000);
    expect(login.expiresAt - Date.now()).toBeLessThanOrEqual(2 * 24 * 3600_000);
    await guest.close();
    return ['a main-process password', login.token];
  },
  badSetting: { name: 'TIDINGS_SESSION_TTL_DAYS', value: 'forever' },
});
