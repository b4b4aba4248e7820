import { describe, it } from 'vitest';
import { postgresUrlOrSkip } from './stack.js';

/** The same end-to-end tests run on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL. */
export type Backend = 'sqlite' | 'postgres';

/**
 * `describe.each` over the backends (`<name> on sqlite`, `<name> on postgres`); the PostgreSQL
 * block is skipped, with a printed reason, when TEST_POSTGRES_URL is unset.
 */
export function describeBackends(name: string, body: (backend: Backend) => void): void {
  const hasPostgres = postgresUrlOrSkip() !== undefined;
  describe.each(['sqlite', 'postgres'] as const)(`${name} on %s`, (backend) => {
    if (backend === 'postgres' && !hasPostgres) {
      it.skip('runs only when TEST_POSTGRES_URL is set', () => {});
      return;
    }
    body(backend);
  });
}
