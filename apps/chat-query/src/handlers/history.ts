import { HISTORY_LIMIT_DEFAULT, PAGE_BYTES, type Message } from '@tidings/protocol';
import { callerUsername, type Handler } from '@tidings/service-kit';
import { findConversation, type QueryContext } from '../context.js';
import { fillPage, jsonBytesOf, messageBytesBound } from '../paging.js';

/**
 * chat.history (user): one page of a conversation, ascending by sequence number.
 *
 * - no cursor: the newest `limit` messages; `more` = older ones exist;
 * - `before: n`: the `limit` messages just below n; `more` = still older ones exist;
 * - `after: n`: the `limit` messages from n+1 upwards (gap-fill); `more` = newer ones exist.
 *
 * Two queries: the conversation (by room name or DM key), then the page — one range scan of
 * the (conversationId, seq) index, `limit + 1` rows to learn `more` without counting, with the
 * sender and the caller's own likes in the same statement (reads.ts: prepared statements on
 * SQLite, Prisma on PostgreSQL). A public room is readable by every signed-in user, member or
 * not (its live topic is too); a private room by its members only — anyone else gets the NOT_FOUND
 * of a room that does not exist (one more query, for private rooms only). `@bob` is always the
 * caller's own conversation with bob. Room events come with `ev`, removals with `rb` (wire.ts). Reactions come from Message.reactions, kept by the likes service.
 *
 * A page is bounded in bytes too: it ends early when its messages reach PAGE_BYTES (56 KiB) of
 * JSON, with `more` set — it keeps the messages next to the cursor (the newest ones for a page
 * backwards, the oldest for gap-fill), so asking again from its edge reads on. Twenty messages of
 * 4,000 characters would otherwise exceed what the broker accepts in one packet.
 */
export function historyHandler(q: QueryContext): Handler<'chat.history'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const conversation = await findConversation(q.reads, username, request.c);
    const limit = request.limit ?? HISTORY_LIMIT_DEFAULT;
    if (!conversation) return { c: request.c, messages: [], more: false, lastSeq: 0 };
    const { id: conversationId, lastSeq } = conversation;

    const page = { conversationId, caller: username, take: limit + 1 };
    let messages: Message[];
    if (request.after !== undefined) {
      messages = request.after >= lastSeq ? [] : await q.reads.newerThan({ ...page, above: request.after });
    } else {
      // A cursor beyond the end means "the newest page" (and keeps huge numbers out of SQL:
      // PostgreSQL's Int is 32 bits). The newest page stops at lastSeq, so it matches it.
      const below = request.before === undefined ? lastSeq + 1 : Math.min(request.before, lastSeq + 1);
      messages = below <= 1 ? [] : await q.reads.olderThan({ ...page, below });
    }
    // Most pages are short messages: their bounds fit, and nothing is serialized twice.
    const filled = fillPage(messages, limit, PAGE_BYTES, jsonBytesOf, messageBytesBound);
    messages = filled.page;
    const more = filled.more;
    if (request.after === undefined) messages.reverse();

    // A message sent between the two reads may be on a gap-fill page already: never report less.
    const highest = messages.length > 0 ? messages[messages.length - 1]!.s : 0;
    return { c: request.c, messages, more, lastSeq: Math.max(lastSeq, highest) };
  };
}
