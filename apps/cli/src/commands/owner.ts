import { defineCommand } from '../command.js';
import { roomOf, userOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';

export default defineCommand({
  name: 'owner',
  summary: 'Hand your room over to one of its members (you become a moderator)',
  description:
    'The owner only, and there is no confirmation: the room is theirs as soon as this answers, and only\n' +
    'they can hand it back. A room has one owner; an owner who wants to leave hands it over first.',
  args: [{ name: 'room' }, { name: 'user' }],
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const u = userOf(ctx.args.user!);
    const result = await signedIn(ctx, (conn) => conn.request('room.role', { name, u, role: 'owner' }));
    const text = result.s !== undefined ? `handed ${result.name} over: ${u} owns it now, and you are a moderator` : `${u} owns ${result.name} already`;
    return { text, data: { ...result, u, role: 'owner', changed: result.s !== undefined } };
  },
});
