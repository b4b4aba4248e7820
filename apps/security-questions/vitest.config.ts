import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every end-to-end test starts its own broker, database, auth and security-questions services.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
