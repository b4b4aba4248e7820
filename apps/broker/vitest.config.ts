import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // expect.poll waits for an event: on a loaded machine it may take seconds (vitest's default is 1 s).
    expect: { poll: { timeout: 15_000 } },
  },
});
