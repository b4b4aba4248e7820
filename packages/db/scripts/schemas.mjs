// Writes prisma/postgres/schema.prisma from prisma/schema.prisma (the SQLite schema):
// the one model definition, with the provider and the client's output folder swapped.
// `--check` exits 1 when the checked-in PostgreSQL schema differs (a test runs it too).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '../../..');
const source = path.join(root, 'prisma/schema.prisma');
const target = path.join(root, 'prisma/postgres/schema.prisma');

export function postgresSchema(sqlite) {
  const out = sqlite
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('../packages/db/src/generated/sqlite', '../../packages/db/src/generated/postgres')
    .replace(/^\/\/ The one model definition[\s\S]*?\n\n/m, '');
  return `// GENERATED from prisma/schema.prisma by packages/db/scripts/schemas.mjs: do not edit.\n\n${out}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const want = postgresSchema(readFileSync(source, 'utf8'));
  if (process.argv.includes('--check')) {
    let have = '';
    try {
      have = readFileSync(target, 'utf8');
    } catch {
      /* not written yet */
    }
    if (have !== want) {
      console.error('prisma/postgres/schema.prisma is stale: run `pnpm --filter @tidings/db schemas`');
      process.exit(1);
    }
  } else {
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, want);
  }
}
