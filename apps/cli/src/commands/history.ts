import { HISTORY_LIMIT_DEFAULT } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { conversationArg, conversationOf, cursorOf, limitOption } from '../chat/args.js';
import { formatMessages } from '../chat/format.js';
import { clockOf, signedIn } from './chat-common.js';
import { tidings } from '../invocation.js';

export default defineCommand({
  name: 'history',
  summary: 'Show a page of a conversation (the newest, or --before/--after #n)',
  description:
    'One line per message: `#12  14:03  bob: text`, oldest first (a date too when not today).\n' +
    '(edited) marks an edited message, (deleted) one that was deleted, `♥ n` its likes and\n' +
    '`(you)` that you like it; `[removed by a moderator]` one a moderator removed. Room events take a\n' +
    'line each: `#13  14:05  * alice banned bob`, `* alice set the topic: …`.\n' +
    'A last line says how to see the next page when there is one.\n' +
    '@user is always your own conversation with that user. A room can be read without joining it.',
  args: [conversationArg],
  options: {
    before: { type: 'string', value: 'n', help: 'The messages just before #n (older)' },
    after: { type: 'string', value: 'n', help: 'The messages after #n (newer)' },
    limit: limitOption('At most n messages', HISTORY_LIMIT_DEFAULT),
  },
  async run(ctx) {
    const c = conversationOf(ctx.args.conversation!);
    const cursor = cursorOf(ctx.options);
    const page = await signedIn(ctx, (conn) => conn.request('chat.history', { c, ...cursor }));
    const lines: string[] = [];
    if (page.messages.length === 0) {
      lines.push(
        cursor.after !== undefined
          ? `no messages after #${cursor.after}`
          : cursor.before !== undefined
            ? `no messages before #${cursor.before}`
            : 'no messages yet',
      );
    } else {
      lines.push(formatMessages(page.messages, clockOf(ctx.io)));
    }
    if (page.more && page.messages.length > 0) {
      const limit = cursor.limit !== undefined ? ` --limit ${cursor.limit}` : '';
      lines.push(
        cursor.after !== undefined
          ? `… newer: ${tidings()} history ${c} --after ${page.messages[page.messages.length - 1]!.s}${limit}`
          : `… older: ${tidings()} history ${c} --before ${page.messages[0]!.s}${limit}`,
      );
    }
    return { text: lines.join('\n'), data: page };
  },
});
