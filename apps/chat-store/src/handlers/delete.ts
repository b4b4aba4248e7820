import type { Handler } from '@tidings/service-kit';
import { callerOf, existingConversation, type ChatContext } from '../context.js';
import { deleted, ownMessage } from './edit.js';
import { removeAsModerator } from './moderation.js';

/**
 * chat.delete (user): deletes one of the caller's own messages, or — a moderator or the owner of
 * a room — someone else's there (removeAsModerator: the tombstone names who removed it and a
 * `remove` room event records it; not a message of a moderator by a moderator). A tombstone stays (its sequence
 * number, sender and time; the text is blanked), so history keeps no holes. Live event `d`.
 * Deleting a deleted message is a CONFLICT.
 */
export function deleteHandler(chat: ChatContext): Handler<'chat.delete'> {
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const conv = await existingConversation(chat, caller, request.c, { member: false });
    if (conv.kind === 'room') {
      const found = await chat.db.prisma.message.findUnique({
        where: { conversationId_seq: { conversationId: conv.id, seq: request.s } },
        select: { id: true, senderId: true, seq: true, deletedAt: true, event: true },
      });
      if (found && found.senderId !== caller.id && found.event === null) {
        if (found.deletedAt) throw deleted();
        // Someone else's message: a moderator's removal, recorded in the room's history.
        await removeAsModerator(chat, ctx, conv, caller, found, request.id);
        chat.events.conversation(conv, { t: 'd', s: request.s, rb: caller.username });
        return { s: request.s };
      }
    }
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
