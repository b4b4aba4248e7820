import { defineCommand } from '../command.js';
import { roomOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';

export default defineCommand({
  name: 'create',
  summary: 'Create a room (you join it)',
  description: 'A room name has 2–32 of a-z 0-9 _ - and starts with a letter or digit; it is stored in lower case.',
  args: [{ name: 'room' }],
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const room = await signedIn(ctx, (conn) => conn.request('room.create', { name }));
    return { text: `created ${room.name} (you are in it)`, data: room };
  },
});
