import type { Handler } from '@tidings/service-kit';
import { callerOf, existingConversation, type ChatContext } from '../context.js';
import { deleted, ownMessage } from './edit.js';

/**
 * chat.delete (user): deletes one of the caller's own messages. A tombstone stays (its sequence
 * number, sender and time; the text is blanked), so history keeps no holes. Live event `d`.
 * Deleting a deleted message is a CONFLICT.
 */
export function deleteHandler(chat: ChatContext): Handler<'chat.delete'> {
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const conv = await existingConversation(chat, caller, request.c, { member: false });
    const message = await ownMessage(chat, conv, caller, request.s);
    const { count } = await chat.db.prisma.message.updateMany({
      where: { id: message.id, deletedAt: null },
      data: { text: '', deletedAt: new Date(chat.now()) },
    });
    if (count === 0) throw deleted();
    chat.events.conversation(conv, { t: 'd', s: request.s });
    ctx.logger.debug({ c: request.c, s: request.s }, 'deleted');
    return { s: request.s };
  };
}
