import { defineConfig } from 'vitest/config';

// Two projects: `unit` (the state logic, plain Node) and `e2e` (the built app in headless
// Chromium against an in-process broker and the real services). Files run one at a time:
// each e2e file starts its own stack and browser.
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // expect.poll waits for an event (often between two browsers): on a loaded machine it
          // may take seconds (vitest's default is 1 s).
          expect: { poll: { timeout: 20_000 } },
        },
      },
    ],
  },
});
