import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every end-to-end test starts its own broker and database.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
