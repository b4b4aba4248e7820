import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every end-to-end test starts its own broker and database, and some wait out a keepalive.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
