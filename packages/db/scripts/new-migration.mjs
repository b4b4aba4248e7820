// Writes a new migration for both providers from the change to prisma/schema.prisma since
// a git revision (default HEAD):  node scripts/new-migration.mjs <name> [--from <rev>]
// `prisma migrate dev` cannot run offline here, so we diff the two schema files instead.
// Needs a reachable PostgreSQL for the PostgreSQL diff (DATABASE_URL_POSTGRES, default
// postgresql://postgres@127.0.0.1:5432/test); it only reads the server's version.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postgresSchema } from './schemas.mjs';

const here = path.resolve(import.meta.dirname, '..');
const root = path.resolve(here, '../..');
const [name] = process.argv.slice(2);
const from = process.argv.includes('--from') ? process.argv[process.argv.indexOf('--from') + 1] : 'HEAD';
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: node scripts/new-migration.mjs <name_in_snake_case> [--from <git rev>]');
  process.exit(2);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-migration-'));
const oldSqlite = path.join(tmp, 'old.prisma');
const oldPostgres = path.join(tmp, 'old.postgres.prisma');
const before = execFileSync('git', ['show', `${from}:prisma/schema.prisma`], { cwd: root, encoding: 'utf8' });
writeFileSync(oldSqlite, before);
writeFileSync(oldPostgres, postgresSchema(before));
execFileSync('node', [path.join(here, 'scripts/schemas.mjs')]);

function diff(config, fromFile, toFile, url) {
  const out = execFileSync(
    path.join(here, 'node_modules/.bin/prisma'),
    ['migrate', 'diff', '--config', config, '--from-schema-datamodel', fromFile, '--to-schema-datamodel', toFile, '--script'],
    { cwd: here, encoding: 'utf8', env: { ...process.env, DATABASE_URL: url } },
  );
  return out.replace(/^Loaded Prisma config.*\n/m, '');
}

const existing = readdirSync(path.join(root, 'prisma/migrations/sqlite'));
const number = String(existing.length + 1).padStart(4, '0');
const folder = `${number}_${name}`;
const outputs = {
  sqlite: diff('prisma.config.ts', oldSqlite, path.join(root, 'prisma/schema.prisma'), `file:${path.join(tmp, 'x.db')}`),
  postgresql: diff(
    'prisma.postgres.config.ts',
    oldPostgres,
    path.join(root, 'prisma/postgres/schema.prisma'),
    process.env.DATABASE_URL_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432/test',
  ),
};
for (const [provider, sql] of Object.entries(outputs)) {
  if (!sql.trim() || /This is an empty migration/.test(sql)) {
    console.error(`no schema change since ${from} for ${provider}`);
    process.exit(1);
  }
  const dir = path.join(root, 'prisma/migrations', provider, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), sql);
  console.log(`wrote prisma/migrations/${provider}/${folder}/migration.sql`);
}
