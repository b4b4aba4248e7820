import { formatMessageRef } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { messageArg, messageRefOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';
import { MESSAGE_REF_HELP } from './like.js';

export default defineCommand({
  name: 'delete',
  summary: 'Delete one of your messages, or (a moderator) anyone’s in your room',
  description: `${MESSAGE_REF_HELP}\nHistory shows your own as (deleted), and one a moderator removed as [removed by a moderator].`,
  args: [messageArg],
  async run(ctx) {
    const { c, s } = messageRefOf(ctx.args.message!);
    const r = await signedIn(ctx, (conn) => conn.request('chat.delete', { c, s }));
    return { text: `deleted ${formatMessageRef(c, r.s)}`, data: { c, ...r } };
  },
});
