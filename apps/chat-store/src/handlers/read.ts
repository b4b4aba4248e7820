import { TidingsError } from '@tidings/protocol';
import type { Handler } from '@tidings/service-kit';
import { callerOf, existingConversation, notAMember, type ChatContext } from '../context.js';

/**
 * chat.read (user): moves the caller's read marker to `s`, never backwards and never past the
 * conversation's last message, and answers where it is now. When it moved, `rd` goes to the
 * caller's own inbox so their other devices follow.
 */
export function readHandler(chat: ChatContext): Handler<'chat.read'> {
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const conv = await existingConversation(chat, caller, request.c, { member: true });
    const prisma = chat.db.prisma;
    const target = Math.min(request.s, await chat.writer.lastSeq(conv.id));
    const { count } = await prisma.membership.updateMany({
      where: { conversationId: conv.id, userId: caller.id, lastReadSeq: { lt: target } },
      data: { lastReadSeq: target },
    });
    const membership = await prisma.membership.findUnique({
      where: { conversationId_userId: { conversationId: conv.id, userId: caller.id } },
      select: { lastReadSeq: true },
    });
    if (!membership) {
      if (conv.kind === 'room') {
        chat.directory.forgetMember(conv, caller);
        throw notAMember();
      }
      throw new TidingsError('NOT_FOUND', 'you are not in this conversation');
    }
    if (count > 0) chat.events.inbox(caller.username, { t: 'rd', c: request.c, s: membership.lastReadSeq });
    return { s: membership.lastReadSeq };
  };
}
