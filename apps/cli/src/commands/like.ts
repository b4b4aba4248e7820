import { formatMessageRef } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { messageArg, messageRefOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';

export const MESSAGE_REF_HELP = 'Name the message as history prints it: general#12, or @bob#3 in your conversation with bob.';

export default defineCommand({
  name: 'like',
  summary: 'Like a message: the ❤️ reaction (once; liking it again changes nothing)',
  description: MESSAGE_REF_HELP,
  args: [messageArg],
  async run(ctx) {
    const { c, s } = messageRefOf(ctx.args.message!);
    const r = await signedIn(ctx, (conn) => conn.request('like.add', { c, s }));
    return { text: `liked ${formatMessageRef(c, r.s)} (❤️ ${r.n})`, data: { c, ...r } };
  },
});
