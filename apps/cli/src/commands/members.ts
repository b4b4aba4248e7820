import { readAllPages } from '@tidings/client';
import { defineCommand } from '../command.js';
import { roomOf } from '../chat/args.js';
import { columns, formatWhen, type Clock } from '../chat/format.js';
import { clockOf, signedIn } from './chat-common.js';
import { plural } from './shared.js';

export interface MemberRow {
  u: string;
  role?: 'owner' | 'mod' | 'member' | undefined;
  mutedUntil?: number | undefined;
  by?: string | undefined;
  at?: number | undefined;
}

const ROLE_WORDS = { owner: 'owner', mod: 'moderator', member: 'member' } as const;

/** `tidings members`: one line per member, `bob  moderator  muted until 14:05`; with --banned who banned them and when. */
export function formatMembers(rows: readonly MemberRow[], banned: boolean, clock: Clock): string {
  if (rows.length === 0) return banned ? 'nobody is banned' : 'no members';
  if (banned) return columns(rows.map((r) => [r.u, r.by !== undefined ? `banned by ${r.by}` : 'banned', r.at !== undefined ? formatWhen(r.at, clock) : '']));
  const lines = columns(
    rows.map((r) => [
      r.u,
      r.role ? ROLE_WORDS[r.role] : '',
      r.mutedUntil !== undefined && r.mutedUntil > clock.now ? `muted until ${formatWhen(r.mutedUntil, clock)}` : '',
    ]),
  );
  return `${lines}\n${plural(rows.length, 'member', 'members')}`;
}

export default defineCommand({
  name: 'members',
  summary: 'List a room’s members and their roles (--banned: its bans)',
  description:
    'One line per member: name, role (owner, moderator, member) and a mute in force. A private room’s\n' +
    'members are listed to its members only; the list of bans (--banned) to its moderators only.',
  args: [{ name: 'room' }],
  options: { banned: { type: 'boolean', help: 'List the bans instead: who banned whom, and when' } },
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const banned = ctx.options.banned === true;
    const pages = await signedIn(ctx, (conn) =>
      readAllPages((after) => conn.request('room.members', { name, ...(banned ? { banned: true } : {}), ...(after === undefined ? {} : { after }) })),
    );
    const members = pages.flatMap((p) => p.members);
    return { text: formatMembers(members, banned, clockOf(ctx.io)), data: { name, members } };
  },
});
