#!/usr/bin/env node
// `node packages/db/dist/cli.js migrate` — applies the checked-in migrations to DATABASE_URL
// (default: SQLite in TIDINGS_DATA_DIR, ./data).
// `node packages/db/dist/cli.js room-owner <room> <username>` — an operator gives a room an owner.
import { defaultDatabaseUrl, migrate, openDatabase, redactUrl } from './index.js';
import { setRoomOwner } from './room-owner.js';

const USAGE = `usage: cli.js migrate                        apply the migrations
       cli.js room-owner <room> <username>    make a user the owner of a room (the old owner becomes a moderator)
(both use DATABASE_URL, or SQLite under TIDINGS_DATA_DIR)`;

const [command, ...args] = process.argv.slice(2);
const url = process.env.DATABASE_URL || defaultDatabaseUrl(process.env.TIDINGS_DATA_DIR || './data');
if (command === 'migrate' && args.length === 0) {
  try {
    const { applied, alreadyApplied } = await migrate(url);
    console.log(
      `migrated ${redactUrl(url)}: ${applied.length} applied${applied.length ? ` (${applied.join(', ')})` : ''}, ${alreadyApplied.length} already there`,
    );
  } catch (err) {
    console.error(`migration failed for ${redactUrl(url)}: ${(err as Error).message}`);
    process.exit(1);
  }
} else if (command === 'room-owner' && args.length === 2) {
  const [room, username] = args.map((a) => a.trim().toLowerCase()) as [string, string];
  const db = await openDatabase(url);
  try {
    const { previous, joined } = await setRoomOwner(db, room, username);
    console.log(`${username} owns ${room} now${joined ? ' (and joined it)' : ''}${previous ? `; ${previous} is a moderator` : ''}`);
  } catch (err) {
    console.error(`room-owner: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await db.close();
  }
} else {
  console.error(USAGE);
  process.exit(2);
}
