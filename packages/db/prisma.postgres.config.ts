import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// As prisma.config.ts, for the generated PostgreSQL schema.
export default defineConfig({
  schema: path.join(import.meta.dirname, '../../prisma/postgres/schema.prisma'),
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL ?? 'postgres://localhost/none' }),
});
