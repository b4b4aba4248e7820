import { defineCommand } from '../command.js';
import { roomOf, userOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';

export default defineCommand({
  name: 'mod',
  summary: 'Make a member a moderator of your room (--off: a member again)',
  description:
    'The owner only. Moderators invite, kick, ban, unban and mute members, set the topic and remove\n' +
    'messages; they cannot act on each other or on the owner.',
  args: [{ name: 'room' }, { name: 'user' }],
  options: { off: { type: 'boolean', help: 'Make them a member again (no longer a moderator)' } },
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const u = userOf(ctx.args.user!);
    const role = ctx.options.off === true ? 'member' : 'mod';
    const result = await signedIn(ctx, (conn) => conn.request('room.role', { name, u, role }));
    const what = role === 'mod' ? 'a moderator' : 'a member (not a moderator)';
    const text = result.s !== undefined ? `${u} is ${what} of ${result.name} now` : `${u} is ${what} of ${result.name} already`;
    return { text, data: { ...result, u, role, changed: result.s !== undefined } };
  },
});
