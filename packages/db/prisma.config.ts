import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

// Used only for `prisma generate` and `prisma migrate diff` while authoring migrations:
// the WebAssembly engine path works offline (see docs/decisions.md). Migrations are applied
// by our own runner (src/migrate.ts), never by `prisma migrate deploy`.
export default defineConfig({
  schema: path.join(import.meta.dirname, '../../prisma/schema.prisma'),
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaBetterSQLite3({ url: process.env.DATABASE_URL ?? 'file::memory:' }),
});
