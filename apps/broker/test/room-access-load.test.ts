import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultDatabaseUrl, migrate, openDatabase, type Database } from '@tidings/db';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RoomAccessEvent } from '@tidings/protocol';
import { RoomAccess, followRoomAccess, loadPrivateRooms } from '../src/room-access.js';

// The broker's start-up read of the private rooms, on both databases: one statement that
// returns every private room (one with no member too) and nothing else.

const postgresUrl = process.env.TEST_POSTGRES_URL;
if (!postgresUrl) console.log('skipping the PostgreSQL run of the private-rooms load: TEST_POSTGRES_URL is unset');

async function fresh(provider: 'sqlite' | 'postgresql'): Promise<Database> {
  let url: string;
  let cleanup: (db: Database) => Promise<void>;
  if (provider === 'sqlite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tidings-broker-load-'));
    url = defaultDatabaseUrl(dir);
    cleanup = () => rm(dir, { recursive: true, force: true });
  } else {
    const schema = `t_rooms_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const u = new URL(postgresUrl!);
    u.searchParams.set('schema', schema);
    url = u.toString();
    cleanup = (db) => db.prisma.$executeRawUnsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined);
  }
  await migrate(url);
  const db = await openDatabase(url);
  onTestFinished(async () => {
    await cleanup(db);
    await db.close();
  });
  return db;
}

const providers: ('sqlite' | 'postgresql')[] = postgresUrl ? ['sqlite', 'postgresql'] : ['sqlite'];

describe.each(providers)('loadPrivateRooms on %s', (provider) => {
  it('returns each private room with its members, an empty private room once, and no public room or direct conversation', async () => {
    const db = await fresh(provider);
    const user = async (username: string) => (await db.prisma.user.create({ data: { id: randomUUID(), username, passwordHash: '!test' } })).id;
    const [alice, bob, carol] = [await user('alice'), await user('bob'), await user('carol')];
    const room = async (name: string | null, kind: string, isPrivate: boolean, members: string[]) => {
      const id = randomUUID();
      await db.prisma.conversation.create({ data: { id, kind, name, private: isPrivate, dmKey: kind === 'dm' ? `k-${id}` : null } });
      for (const userId of members) await db.prisma.membership.create({ data: { conversationId: id, userId } });
    };
    await room('secret', 'room', true, [alice, bob]);
    await room('empty', 'room', true, []);
    await room('lobby', 'room', false, [alice, bob, carol]); // public, as the migration's 'general' is
    await room(null, 'dm', false, [alice, carol]);

    const rows = await loadPrivateRooms(db);
    const sorted = [...rows].sort((a, b) => `${a.room}/${a.username}`.localeCompare(`${b.room}/${b.username}`));
    expect(sorted).toEqual([
      { room: 'empty', username: null },
      { room: 'secret', username: 'alice' },
      { room: 'secret', username: 'bob' },
    ]);
    const map = new RoomAccess();
    map.load(rows);
    expect(map.size()).toEqual({ rooms: 2, memberships: 2 });
    expect(map.mayRead('secret', 'carol')).toBe(false);
    expect(map.mayRead('empty', 'alice')).toBe(false);
    expect(map.mayRead('lobby', 'carol')).toBe(true);
  });
});

describe('followRoomAccess', () => {
  it('subscribes before it reads, and applies the events of the read after its rows', async () => {
    const map = new RoomAccess();
    const steps: string[] = [];
    let deliver: (event: RoomAccessEvent) => void = () => {};
    let finishRead: (rows: { room: string; username: string | null }[]) => void = () => {};
    const applied: RoomAccessEvent[] = [];
    const started = followRoomAccess({
      map,
      subscribe: async (d) => {
        steps.push('subscribe');
        deliver = d;
      },
      load: () => {
        steps.push('load');
        return new Promise((resolve) => (finishRead = resolve));
      },
      apply: (event) => {
        applied.push(event);
        map.apply(event);
      },
    });
    await expect.poll(() => steps).toEqual(['subscribe', 'load']);
    // Committed while the read runs: alice removed (the rows, read before, still have her), bob invited.
    deliver({ r: 'secret', u: 'alice', on: false });
    deliver({ r: 'secret', u: 'bob', on: true });
    expect(applied).toEqual([]);
    finishRead([{ room: 'secret', username: 'alice' }]);
    expect(await started).toBe(2);
    expect(map.mayRead('secret', 'alice')).toBe(false);
    expect(map.mayRead('secret', 'bob')).toBe(true);
    // From now on events apply at once.
    deliver({ r: 'secret', u: 'carol', on: true });
    expect(map.mayRead('secret', 'carol')).toBe(true);
    expect(applied).toHaveLength(3);
  });

  it('fails when the read fails (the broker then does not start)', async () => {
    const failing = followRoomAccess({
      map: new RoomAccess(),
      subscribe: async () => {},
      load: () => Promise.reject(new Error('database down')),
      apply: () => {},
    });
    await expect(failing).rejects.toThrow('database down');
  });
});
