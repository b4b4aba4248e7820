import { defineCommand } from '../command.js';
import { roomOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';
import { tidings } from '../invocation.js';

export default defineCommand({
  name: 'join',
  summary: 'Join a room',
  description: 'Joining a room you are in already changes nothing. Its past is not counted as unread.',
  args: [{ name: 'room' }],
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const room = await signedIn(ctx, (conn) => conn.request('room.join', { name }));
    const past = room.lastSeq > 0 ? ` (${room.lastSeq} ${room.lastSeq === 1 ? 'message' : 'messages'} so far: ${tidings()} history ${room.name})` : '';
    return { text: `joined ${room.name}${past}`, data: room };
  },
});
