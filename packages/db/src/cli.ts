#!/usr/bin/env node
// `node packages/db/dist/cli.js migrate` — applies the checked-in migrations to DATABASE_URL
// (default: SQLite in TIDINGS_DATA_DIR, ./data).
import { defaultDatabaseUrl, migrate, redactUrl } from './index.js';

const [command] = process.argv.slice(2);
if (command !== 'migrate') {
  console.error('usage: cli.js migrate   (uses DATABASE_URL, or SQLite under TIDINGS_DATA_DIR)');
  process.exit(2);
}
const url = process.env.DATABASE_URL || defaultDatabaseUrl(process.env.TIDINGS_DATA_DIR || './data');
try {
  const { applied, alreadyApplied } = await migrate(url);
  console.log(
    `migrated ${redactUrl(url)}: ${applied.length} applied${applied.length ? ` (${applied.join(', ')})` : ''}, ${alreadyApplied.length} already there`,
  );
} catch (err) {
  console.error(`migration failed for ${redactUrl(url)}: ${(err as Error).message}`);
  process.exit(1);
}
