import { defineCommand } from '../command.js';
import { conversationArg, conversationOf, integerOption } from '../chat/args.js';
import { signedIn } from './chat-common.js';

export default defineCommand({
  name: 'read',
  summary: 'Mark a conversation read, up to its last message or to #n',
  description: 'The read marker never moves back: marking an earlier message changes nothing. `tidings rooms` counts unread messages from it.',
  args: [conversationArg, { name: 'n', optional: true }],
  async run(ctx) {
    const c = conversationOf(ctx.args.conversation!);
    const upTo = integerOption(ctx.args.n, '<n>', 0);
    const r = await signedIn(ctx, async (conn) => {
      const s = upTo ?? (await conn.request('chat.history', { c, limit: 1 })).lastSeq;
      return conn.request('chat.read', { c, s });
    });
    return { text: r.s === 0 ? `nothing to mark read in ${c}` : `${c} read up to #${r.s}`, data: { c, ...r } };
  },
});
