import { defineCommand } from '../command.js';
import { roomOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';

export default defineCommand({
  name: 'leave',
  summary: 'Leave a room',
  description: 'Leaving a room you are not in changes nothing.',
  args: [{ name: 'room' }],
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const room = await signedIn(ctx, (conn) => conn.request('room.leave', { name }));
    return { text: `left ${room.name}`, data: room };
  },
});
