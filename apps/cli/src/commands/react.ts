import { formatMessageRef } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { messageArg, messageRefOf, reactionArgOf } from '../chat/args.js';
import { formatReactions } from '../chat/format.js';
import { signedIn } from './chat-common.js';
import { MESSAGE_REF_HELP } from './like.js';

export default defineCommand({
  name: 'react',
  summary: 'React to a message with 👍 ❤️ 😂 🎉 😮 😢 (--off takes it back)',
  description: `${MESSAGE_REF_HELP}\nThe emoji, or its name: +1, heart, laugh, tada, wow, sad. Each once per message: reacting again changes nothing.`,
  args: [messageArg, { name: 'emoji' }],
  options: { off: { type: 'boolean', help: 'take your reaction back' } },
  async run(ctx) {
    const { c, s } = messageRefOf(ctx.args.message!);
    const e = reactionArgOf(ctx.args.emoji!);
    const off = ctx.options.off === true;
    const r = await signedIn(ctx, (conn) => conn.request(off ? 'reaction.remove' : 'reaction.add', { c, s, e }));
    const now = formatReactions(r).trim();
    return {
      text: `${off ? 'took back' : 'reacted'} ${e} ${off ? 'on' : 'to'} ${formatMessageRef(c, r.s)}${now ? ` (${now})` : ' (no reactions)'}`,
      data: { c, ...r },
    };
  },
});
