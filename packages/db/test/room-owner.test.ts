import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, setRoomOwner, type Database } from '../src/index.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'tidings-owner-'));
const url = `file:${path.join(dir, 'test.db')}`;
let db: Database;

beforeAll(async () => {
  await migrate(url);
  db = await openDatabase(url);
  for (const name of ['alice', 'bob', 'carol']) await db.prisma.user.create({ data: { id: `u_${name}`, username: name, passwordHash: 'h' } });
  await db.prisma.conversation.create({ data: { id: 'room_lobby', kind: 'room', name: 'lobby', lastSeq: 7, members: { create: [{ userId: 'u_bob' }] } } });
  await db.prisma.conversation.create({ data: { id: 'room_hush', kind: 'room', name: 'hush', private: true } });
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function roles(room: string) {
  const rows = await db.prisma.membership.findMany({
    where: { conversationId: room },
    select: { role: true, lastReadSeq: true, user: { select: { username: true } } },
  });
  return Object.fromEntries(rows.map((r) => [r.user.username, r.role]));
}

describe('setting a room owner (operators)', () => {
  it('gives an ownerless room an owner, who joins it with nothing unread', async () => {
    expect(await setRoomOwner(db, 'lobby', 'alice')).toEqual({ previous: null, joined: true });
    expect(await roles('room_lobby')).toEqual({ alice: 'owner', bob: 'member' });
    const marker = await db.prisma.membership.findUniqueOrThrow({ where: { conversationId_userId: { conversationId: 'room_lobby', userId: 'u_alice' } } });
    expect(marker.lastReadSeq).toBe(7);
  });

  it('keeps one owner: the one there was becomes a moderator', async () => {
    expect(await setRoomOwner(db, 'lobby', 'bob')).toEqual({ previous: 'alice', joined: false });
    expect(await roles('room_lobby')).toEqual({ alice: 'mod', bob: 'owner' });
  });

  it('refuses an unknown room or user, and a non-member of a private room, changing nothing', async () => {
    await expect(setRoomOwner(db, 'nowhere', 'bob')).rejects.toThrow('there is no room named nowhere');
    await expect(setRoomOwner(db, 'lobby', 'nobody')).rejects.toThrow('there is no user named nobody');
    await expect(setRoomOwner(db, 'hush', 'carol')).rejects.toThrow(/invite them first/);
    expect(await roles('room_hush')).toEqual({});
    expect(await roles('room_lobby')).toEqual({ alice: 'mod', bob: 'owner' });
  });

  it('runs from the command line (built cli.js), with usage and exit 2 for bad arguments', async () => {
    const cli = path.join(import.meta.dirname, '../dist/cli.js');
    const env = { ...process.env, DATABASE_URL: url };
    const ok = await run('node', [cli, 'room-owner', 'Lobby', 'Carol'], { env });
    expect(ok.stdout.trim()).toBe('carol owns lobby now (and joined it); bob is a moderator');
    const refused = await run('node', [cli, 'room-owner', 'lobby'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
    const failed = await run('node', [cli, 'room-owner', 'lobby', 'nobody'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: 'room-owner: there is no user named nobody\n' });
  });
});
