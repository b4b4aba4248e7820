import { formatMessageRef } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { messageArg, messageRefOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';
import { MESSAGE_REF_HELP } from './like.js';

export default defineCommand({
  name: 'unlike',
  summary: 'Take back your like (❤️) of a message',
  description: MESSAGE_REF_HELP,
  args: [messageArg],
  async run(ctx) {
    const { c, s } = messageRefOf(ctx.args.message!);
    const r = await signedIn(ctx, (conn) => conn.request('like.remove', { c, s }));
    return { text: `unliked ${formatMessageRef(c, r.s)} (❤️ ${r.n})`, data: { c, ...r } };
  },
});
