import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start a broker, a database and the auth service (argon2 ≈ 100 ms a hash),
    // and one builds the binary; unreachable-broker tests wait for refusals, never for timeouts.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
