import { REACTION_WHO_MAX, formatMessageRef } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { messageArg, messageRefOf, reactionArgOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';
import { MESSAGE_REF_HELP } from './like.js';

export default defineCommand({
  name: 'reactions',
  summary: 'Who reacted to a message, per emoji',
  description: `${MESSAGE_REF_HELP}\nOne line per emoji: its count and up to ${REACTION_WHO_MAX} names, earliest first ("and n more" past them). Give an emoji to see only its line.`,
  args: [messageArg, { name: 'emoji', optional: true }],
  async run(ctx) {
    const { c, s } = messageRefOf(ctx.args.message!);
    const e = ctx.args.emoji === undefined ? undefined : reactionArgOf(ctx.args.emoji);
    const r = await signedIn(ctx, (conn) => conn.request('reaction.who', e === undefined ? { c, s } : { c, s, e }));
    const lines = Object.entries(r.who).map(([emoji, names]) => {
      const n = r.rx[emoji as keyof typeof r.rx] ?? names.length;
      const more = n > names.length ? ` and ${n - names.length} more` : '';
      return `${emoji} ${n}  ${names.join(', ')}${more}`;
    });
    return { text: lines.length > 0 ? lines.join('\n') : `no reactions to ${formatMessageRef(c, r.s)}`, data: { c, ...r } };
  },
});
