import { ROOM_TOPIC_MAX } from '@tidings/protocol';
import { UsageError, defineCommand } from '../command.js';
import { roomOf } from '../chat/args.js';
import { oneLine } from '../chat/format.js';
import { signedIn } from './chat-common.js';
import { topicOf } from './room-common.js';

export default defineCommand({
  name: 'topic',
  summary: 'Show a room’s topic, or set it (--clear: remove it)',
  description:
    `Without text, prints the topic. With text (the rest of the line, at most ${ROOM_TOPIC_MAX} characters), sets it;\n` +
    'moderators and the owner only. History records each change.',
  args: [{ name: 'room' }, { name: 'text', rest: true, optional: true }],
  options: { clear: { type: 'boolean', help: 'Remove the topic' } },
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const text = ctx.args.text;
    if (ctx.options.clear === true && text !== undefined) throw new UsageError('give the topic or --clear, not both');
    if (ctx.options.clear !== true && text === undefined) {
      const info = await signedIn(ctx, (conn) => conn.request('room.info', { name }));
      const topic = info.topic ?? '';
      return { text: topic === '' ? `${info.name} has no topic` : `${info.name}: ${oneLine(topic)}`, data: { name: info.name, topic } };
    }
    const topic = ctx.options.clear === true ? '' : topicOf(text!);
    if (topic === '' && ctx.options.clear !== true) throw new UsageError('the topic is empty: give text, or --clear to remove it');
    const result = await signedIn(ctx, (conn) => conn.request('room.topic', { name, topic }));
    const changed = result.s !== undefined;
    const line = !changed
      ? topic === ''
        ? `${result.name} has no topic already`
        : `the topic of ${result.name} is that already`
      : topic === ''
        ? `cleared the topic of ${result.name}`
        : `set the topic of ${result.name}`;
    return { text: line, data: { ...result, topic, changed } };
  },
});
