import { TidingsError, textProblem } from '@tidings/protocol';
import type { Handler } from '@tidings/service-kit';
import { callerOf, existingConversation, type ChatContext } from '../context.js';
import type { ConversationInfo, UserRef } from '../directory.js';

/**
 * Finds the caller's own, not deleted message `s` in `conv`: NOT_FOUND when there is no such
 * message, FORBIDDEN when it is someone else's, CONFLICT when it was deleted.
 */
export async function ownMessage(chat: ChatContext, conv: ConversationInfo, caller: UserRef, s: number): Promise<{ id: string }> {
  const message = await chat.db.prisma.message.findUnique({
    where: { conversationId_seq: { conversationId: conv.id, seq: s } },
    select: { id: true, senderId: true, deletedAt: true, event: true },
  });
  if (!message) throw new TidingsError('NOT_FOUND', `there is no message ${s} here`);
  if (message.event !== null) throw new TidingsError('BAD_REQUEST', `${s} is a room event, not a message: it cannot be changed`);
  if (message.senderId !== caller.id) throw new TidingsError('FORBIDDEN', 'you can only change your own messages');
  if (message.deletedAt) throw deleted();
  return { id: message.id };
}

export function deleted(): TidingsError {
  return new TidingsError('CONFLICT', 'the message was deleted');
}

/**
 * chat.edit (user): replaces the text of one of the caller's own messages (same text rules as
 * chat.send). Allowed after leaving a room: a message stays its author's. Live event `e`.
 */
export function editHandler(chat: ChatContext): Handler<'chat.edit'> {
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const problem = textProblem(request.x);
    if (problem) throw new TidingsError('BAD_REQUEST', problem);
    const text = request.x.trim();
    const conv = await existingConversation(chat, caller, request.c, { member: false });
    const message = await ownMessage(chat, conv, caller, request.s);
    const ed = chat.now();
    // Only if it was not deleted meanwhile.
    const { count } = await chat.db.prisma.message.updateMany({
      where: { id: message.id, deletedAt: null },
      data: { text, editedAt: new Date(ed) },
    });
    if (count === 0) throw deleted();
    chat.events.conversation(conv, { t: 'e', s: request.s, x: text, ed });
    ctx.logger.debug({ c: request.c, s: request.s }, 'edited');
    return { s: request.s, ed };
  };
}
