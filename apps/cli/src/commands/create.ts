import { ROOM_TOPIC_MAX } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { roomOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';
import { topicOf } from './room-common.js';

export default defineCommand({
  name: 'create',
  summary: 'Create a room (you join it as its owner)',
  description:
    'A room name has 2–32 of a-z 0-9 _ - and starts with a letter or digit; it is stored in lower case.\n' +
    'A private room is invite only: listed to and readable by its members alone (tidings invite adds\n' +
    'people); whether a room is private is fixed when it is created.',
  args: [{ name: 'room' }],
  options: {
    private: { type: 'boolean', help: 'Invite only: nobody else can see, read or join it' },
    topic: { type: 'string', value: 'text', help: `What the room is about (at most ${ROOM_TOPIC_MAX} characters)` },
  },
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const topic = ctx.options.topic === undefined ? undefined : topicOf(ctx.options.topic);
    const request = { name, ...(ctx.options.private === true ? { private: true } : {}), ...(topic ? { topic } : {}) };
    const room = await signedIn(ctx, (conn) => conn.request('room.create', request));
    const kind = ctx.options.private === true ? 'private room' : 'room';
    return { text: `created ${kind} ${room.name} (you own it)`, data: { ...room, private: ctx.options.private === true, ...(topic ? { topic } : {}) } };
  },
});
