import { defineCommand } from '../command.js';
import { roomOf } from '../chat/args.js';
import { formatWhen, oneLine, type Clock } from '../chat/format.js';
import type { ResultOf } from '@tidings/protocol';
import { clockOf, signedIn } from './chat-common.js';
import { plural } from './shared.js';

const ROLE_WORDS = { owner: 'the owner', mod: 'a moderator', member: 'a member' } as const;

/** `tidings info`: a few `key: value` lines about a room and where you stand in it. */
export function formatRoomInfo(info: ResultOf<'room.info'>, clock: Clock): string {
  const lines = [
    `${info.name}  ${info.private ? 'private (invite only)' : 'public'}, ${plural(info.members, 'member', 'members')}, ${plural(info.lastSeq, 'message', 'messages')}`,
    `topic: ${info.topic ? oneLine(info.topic) : '(none)'}`,
    `owner: ${info.owner ?? '(nobody)'}`,
    `you:   ${info.banned ? 'banned' : info.role ? ROLE_WORDS[info.role] : 'not a member'}${info.mutedUntil !== undefined && info.mutedUntil > clock.now ? `, muted until ${formatWhen(info.mutedUntil, clock)}` : ''}`,
  ];
  return lines.join('\n');
}

export default defineCommand({
  name: 'info',
  summary: 'Show a room: private or public, topic, owner, members, your role',
  description: 'A private room answers its members only (to anyone else it does not exist).',
  args: [{ name: 'room' }],
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const info = await signedIn(ctx, (conn) => conn.request('room.info', { name }));
    return { text: formatRoomInfo(info, clockOf(ctx.io)), data: info };
  },
});
