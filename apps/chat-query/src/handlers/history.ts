import { HISTORY_LIMIT_DEFAULT } from '@tidings/protocol';
import type { Handler } from '@tidings/service-kit';
import { MESSAGE_SELECT, callerUsername, findConversation, toWire, type MessageRow, type QueryContext } from '../context.js';

/**
 * chat.history (user): one page of a conversation, ascending by sequence number.
 *
 * - no cursor: the newest `limit` messages; `more` = older ones exist;
 * - `before: n`: the `limit` messages just below n; `more` = still older ones exist;
 * - `after: n`: the `limit` messages from n+1 upwards (gap-fill); `more` = newer ones exist.
 *
 * Every page is one range scan of the (conversationId, seq) index, `take limit + 1` to learn
 * `more` without counting. Rooms are public to every signed-in user (their live topic is too);
 * `@bob` is always the caller's own conversation with bob. Like counts come from the stored
 * count; whether the caller likes a message costs one more query, and only when some message
 * of the page has likes at all.
 */
export function historyHandler(q: QueryContext): Handler<'chat.history'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const conversation = await findConversation(q.db, username, request.c);
    const limit = request.limit ?? HISTORY_LIMIT_DEFAULT;
    if (!conversation) return { c: request.c, messages: [], more: false, lastSeq: 0 };
    const { id: conversationId, lastSeq } = conversation;
    const prisma = q.db.prisma;

    let rows: MessageRow[];
    let more: boolean;
    if (request.after !== undefined) {
      if (request.after >= lastSeq) {
        rows = [];
        more = false;
      } else {
        rows = await prisma.message.findMany({
          where: { conversationId, seq: { gt: request.after } },
          orderBy: { seq: 'asc' },
          take: limit + 1,
          select: MESSAGE_SELECT,
        });
        more = rows.length > limit;
        if (more) rows = rows.slice(0, limit);
      }
    } else {
      // A cursor beyond the end means "the newest page" (and keeps huge numbers out of SQL:
      // PostgreSQL's Int is 32 bits).
      const upper = request.before === undefined || request.before > lastSeq ? undefined : request.before;
      if (upper !== undefined && upper <= 1) {
        rows = [];
        more = false;
      } else {
        rows = await prisma.message.findMany({
          where: upper === undefined ? { conversationId } : { conversationId, seq: { lt: upper } },
          orderBy: { seq: 'desc' },
          take: limit + 1,
          select: MESSAGE_SELECT,
        });
        more = rows.length > limit;
        if (more) rows = rows.slice(0, limit);
        rows.reverse();
      }
    }

    const liked = await likedByCaller(q, username, rows);
    const messages = rows.map((row) => toWire(row, liked.has(row.id)));
    // A message sent between the two reads may be on the page already: never report less.
    const highest = rows.length > 0 ? rows[rows.length - 1]!.seq : 0;
    return { c: request.c, messages, more, lastSeq: Math.max(lastSeq, highest) };
  };
}

/** The ids of the page's messages the caller likes: one query, skipped when nothing on the page has likes. */
async function likedByCaller(q: QueryContext, username: string, rows: MessageRow[]): Promise<Set<string>> {
  const candidates = rows.filter((r) => r.likeCount > 0 && !r.deletedAt).map((r) => r.id);
  if (candidates.length === 0) return new Set();
  const likes = await q.db.prisma.like.findMany({
    where: { messageId: { in: candidates }, user: { username } },
    select: { messageId: true },
  });
  return new Set(likes.map((l) => l.messageId));
}
