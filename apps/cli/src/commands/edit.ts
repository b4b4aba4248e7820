import { formatMessageRef } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { messageArg, messageRefOf, messageTextOf, textArg } from '../chat/args.js';
import { signedIn } from './chat-common.js';
import { MESSAGE_REF_HELP } from './like.js';

export default defineCommand({
  name: 'edit',
  summary: 'Change the text of one of your messages',
  description: `${MESSAGE_REF_HELP}\nThe new text is the rest of the command line, joined by spaces.`,
  args: [messageArg, textArg],
  async run(ctx) {
    const { c, s } = messageRefOf(ctx.args.message!);
    const x = messageTextOf(ctx.args.text, 'edit');
    const r = await signedIn(ctx, (conn) => conn.request('chat.edit', { c, s, x }));
    return { text: `edited ${formatMessageRef(c, r.s)}`, data: { c, ...r } };
  },
});
