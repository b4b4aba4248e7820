import { defineConfig } from 'vitest/config';

// `pnpm measure:first-load`: test/measure/first-load.measure.ts, by hand, not part of `pnpm test`.
export default defineConfig({ test: { include: ['test/measure/*.measure.ts'], hookTimeout: 90_000 } });
