import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, loadMigrations, migrate, openDatabase } from '../src/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidings-db-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const postgresUrl = process.env.TEST_POSTGRES_URL;
if (!postgresUrl) console.log('skipping PostgreSQL migration tests: TEST_POSTGRES_URL is unset');

function freshUrl(provider: 'sqlite' | 'postgres'): string {
  if (provider === 'sqlite') return `file:${path.join(tempDir(), 'test.db')}`;
  const u = new URL(postgresUrl!);
  u.searchParams.set('schema', `t_mig_${Math.random().toString(36).slice(2, 10)}`);
  return u.toString();
}

async function dropSchema(url: string): Promise<void> {
  if (!url.startsWith('postgres')) return;
  const schema = new URL(url).searchParams.get('schema')!;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

describe.each([
  ['sqlite', true],
  ['postgres', Boolean(postgresUrl)],
] as const)('migrations on %s', (provider, enabled) => {
  it.runIf(enabled)('applies every migration once, then nothing on a second run', async () => {
    const url = freshUrl(provider);
    try {
      const names = loadMigrations(provider === 'sqlite' ? 'sqlite' : 'postgresql').map((m) => m.name);
      expect(names.length).toBeGreaterThan(0);
      expect(await migrate(url)).toEqual({ applied: names, alreadyApplied: [] });
      expect(await migrate(url)).toEqual({ applied: [], alreadyApplied: names });
    } finally {
      await dropSchema(url);
    }
  });

  it.runIf(enabled)('gives a working Prisma client on the migrated database', async () => {
    const url = freshUrl(provider);
    try {
      await migrate(url);
      const db = await openDatabase(url);
      try {
        await db.prisma.user.create({ data: { id: 'u1', username: 'alice', passwordHash: 'h' } });
        await expect(db.prisma.user.create({ data: { id: 'u2', username: 'alice', passwordHash: 'h' } })).rejects.toMatchObject({
          code: 'P2002',
        });
        expect(await db.prisma.user.count()).toBe(1);
      } finally {
        await db.close();
      }
    } finally {
      await dropSchema(url);
    }
  });

  it.runIf(enabled)('runs raw SQL against the same schema as the Prisma client', async () => {
    const url = freshUrl(provider);
    try {
      await migrate(url);
      const db = await openDatabase(url);
      try {
        await db.prisma.user.create({ data: { id: 'u1', username: 'alice', passwordHash: 'h' } });
        const rows = await db.prisma.$queryRaw<{ username: string }[]>`SELECT "username" FROM "User" WHERE "id" = ${'u1'}`;
        expect(rows).toEqual([{ username: 'alice' }]);
      } finally {
        await db.close();
      }
    } finally {
      await dropSchema(url);
    }
  });

  it.runIf(enabled)('turns every like into the ❤️ reaction, with each message’s summary, when 0006_reactions runs', async () => {
    const url = freshUrl(provider);
    const folder = provider === 'sqlite' ? 'sqlite' : 'postgresql';
    const before = tempDir();
    cpSync(MIGRATIONS_DIR, before, { recursive: true });
    // the migrations up to 0005: a database from before reactions
    for (const later of loadMigrations(folder).filter((m) => m.name >= '0006')) rmSync(path.join(before, folder, later.name), { recursive: true });
    try {
      await migrate(url, before);
      const db = await openDatabase(url);
      try {
        const run = (sql: string) => db.prisma.$executeRawUnsafe(sql);
        for (const [id, name] of [
          ['u1', 'ann'],
          ['u2', 'bob'],
        ])
          await run(`INSERT INTO "User" ("id", "username", "passwordHash", "updatedAt") VALUES ('${id}', '${name}', 'h', CURRENT_TIMESTAMP)`);
        await run(`INSERT INTO "Conversation" ("id", "kind", "name", "lastSeq") VALUES ('c1', 'room', 'club', 3)`);
        for (const [id, seq, likes] of [
          ['m1', 1, 2],
          ['m2', 2, 1],
          ['m3', 3, 0],
        ] as const)
          await run(
            `INSERT INTO "Message" ("id", "conversationId", "seq", "senderId", "clientKey", "text", "createdAt", "likeCount") VALUES ('${id}', 'c1', ${seq}, 'u1', 'k${seq}', 'hi', CURRENT_TIMESTAMP, ${likes})`,
          );
        for (const [m, u] of [
          ['m1', 'u1'],
          ['m1', 'u2'],
          ['m2', 'u2'],
        ])
          await run(`INSERT INTO "Like" ("messageId", "userId") VALUES ('${m}', '${u}')`);
      } finally {
        await db.close();
      }

      expect((await migrate(url)).applied).toContain('0006_reactions');
      const after = await openDatabase(url);
      try {
        const reactions = await after.prisma.reaction.findMany({
          orderBy: [{ messageId: 'asc' }, { userId: 'asc' }],
          select: { messageId: true, userId: true, emoji: true },
        });
        expect(reactions).toEqual([
          { messageId: 'm1', userId: 'u1', emoji: '❤️' },
          { messageId: 'm1', userId: 'u2', emoji: '❤️' },
          { messageId: 'm2', userId: 'u2', emoji: '❤️' },
        ]);
        const messages = await after.prisma.message.findMany({ orderBy: { seq: 'asc' }, select: { likeCount: true, reactions: true } });
        expect(messages).toEqual([
          { likeCount: 2, reactions: '{"❤️":2}' },
          { likeCount: 1, reactions: '{"❤️":1}' },
          { likeCount: 0, reactions: null },
        ]);
      } finally {
        await after.close();
      }
    } finally {
      await dropSchema(url);
    }
  });

  it.runIf(enabled)('refuses to go on when an applied migration was edited afterwards', async () => {
    const url = freshUrl(provider);
    const dir = tempDir();
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    try {
      await migrate(url, dir);
      const folder = provider === 'sqlite' ? 'sqlite' : 'postgresql';
      const first = loadMigrations(folder, dir)[0]!;
      appendFileSync(path.join(dir, folder, first.name, 'migration.sql'), '\n-- edited\n');
      await expect(migrate(url, dir)).rejects.toThrow(/changed after it was applied/);
    } finally {
      await dropSchema(url);
    }
  });
});

describe('schemas', () => {
  it('keeps the generated PostgreSQL schema in step with prisma/schema.prisma', () => {
    // exits 1 with a message when stale
    execFileSync('node', [path.join(import.meta.dirname, '../scripts/schemas.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('has the same migration names for both providers', () => {
    expect(loadMigrations('sqlite').map((m) => m.name)).toEqual(loadMigrations('postgresql').map((m) => m.name));
  });

  it('names every model of the schema in the first migration of each provider', () => {
    const schema = readFileSync(path.join(MIGRATIONS_DIR, '../schema.prisma'), 'utf8');
    const models = [...schema.matchAll(/^model (\w+)/gm)].map((m) => m[1]!);
    for (const provider of ['sqlite', 'postgresql'] as const) {
      const all = loadMigrations(provider)
        .map((m) => m.sql)
        .join('\n');
      for (const model of models) expect(all).toContain(`CREATE TABLE "${model}"`);
    }
  });
});
