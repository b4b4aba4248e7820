import { callerUsername, type Handler } from '@tidings/service-kit';
import { MESSAGE_SELECT, byCodeUnits, messageRowOf, otherOf, toWire, type MessageRow, type QueryContext } from '../context.js';
import { jsonBytesOf, listPage } from '../paging.js';
import { unreadMentions } from '../reads.js';

/**
 * How many (conversation, seq) pairs go into one query for the last messages: two bound
 * parameters each, and SQLite (as Prisma builds it) takes at most 999 in one statement — 500
 * pairs made chat.conversations fail for anyone in 500 conversations with messages.
 */
export const LAST_MESSAGE_BATCH = 250;

/**
 * chat.conversations (user): the rooms the caller is a member of and their direct
 * conversations, each with its last message and unread count, newest activity first
 * (conversations without a message yet come last, most recently joined first).
 *
 * `unread` is `lastSeq − readSeq` (never negative): an approximation. It counts every
 * message after the read marker, including the caller's own and deleted ones; chat-store
 * moves the sender's marker past their own message when they send, so one's own messages
 * normally do not count, but a message sent from another device before the marker moves may.
 * `last` carries no like fields (those are for history); a room event or a moderator's removal
 * comes as history has it (`ev`, `rb`).
 *
 * `mentions`: the messages after the read marker that mention the caller (Mention rows; deleted
 * messages count until read, as in `unread`), absent when none — one grouped query for all the caller's conversations (reads.ts).
 * Only conversations one is a member of are listed, so a private room one left or was removed
 * from is gone.
 *
 * A page at a time: at most LIST_LIMIT_MAX conversations and PAGE_BYTES of them (a last message
 * may take 24 KiB). The cursor `next` is the last one's place in the order (`<lastAt>.<joinedAt>.<c>`):
 * the next page starts after that place, so a conversation that has a new message between two pages
 * moves up and is not on the next one — its live event tells the client about it anyway.
 */
export function conversationsHandler(q: QueryContext): Handler<'chat.conversations'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const prisma = q.db.prisma;
    const memberships = await prisma.membership.findMany({
      where: { user: { username } },
      select: {
        userId: true,
        lastReadSeq: true,
        joinedAt: true,
        conversation: { select: { id: true, kind: true, name: true, dmKey: true, lastSeq: true } },
      },
    });

    const wanted = memberships.filter((m) => m.conversation.lastSeq > 0);
    const lastRows = [];
    for (let i = 0; i < wanted.length; i += LAST_MESSAGE_BATCH) {
      const batch = wanted.slice(i, i + LAST_MESSAGE_BATCH);
      lastRows.push(
        ...(await prisma.message.findMany({
          where: { OR: batch.map((m) => ({ conversationId: m.conversation.id, seq: m.conversation.lastSeq })) },
          select: { ...MESSAGE_SELECT, conversationId: true },
        })),
      );
    }
    const removers = [...new Set(lastRows.flatMap((r) => (r.removedById === null ? [] : [r.removedById])))];
    const usernames = new Map(
      removers.length === 0
        ? []
        : (await prisma.user.findMany({ where: { id: { in: removers } }, select: { id: true, username: true } })).map((u) => [u.id, u.username] as const),
    );
    const lastOf = new Map<string, MessageRow>(lastRows.map((row) => [row.conversationId, messageRowOf(row, usernames)]));
    const mentions = memberships.length === 0 ? new Map<string, number>() : await unreadMentions(q.db, memberships[0]!.userId);

    const summaries = memberships.map((m) => {
      const conv = m.conversation;
      const kind = conv.kind === 'dm' ? ('dm' as const) : ('room' as const);
      const c = kind === 'dm' ? `@${otherOf(conv.dmKey ?? '', username)}` : (conv.name ?? '');
      const row = lastOf.get(conv.id);
      const summary = {
        c,
        kind,
        lastSeq: conv.lastSeq,
        readSeq: m.lastReadSeq,
        unread: Math.max(0, conv.lastSeq - m.lastReadSeq),
        ...(mentions.get(conv.id) ? { mentions: mentions.get(conv.id) } : {}),
        ...(row ? { last: toWire(row, undefined, q.onBadEvent) } : {}),
      };
      return { summary, lastAt: row ? row.createdAt : -1, joinedAt: m.joinedAt.getTime() };
    });
    const keyOf = (s: (typeof summaries)[number]): Place => ({ lastAt: s.lastAt, joinedAt: s.joinedAt, c: s.summary.c });
    summaries.sort((a, b) => comparePlaces(keyOf(a), keyOf(b)));
    const { items, ...page } = listPage(summaries, request, {
      keyOf,
      compare: comparePlaces,
      cursorOf: placeCursor,
      parse: parsePlace,
      sizeOf: (s) => jsonBytesOf(s.summary),
    });
    return { conversations: items.map((s) => s.summary), ...page };
  };
}

/** Where a conversation is in the list: newest activity first, then most recently joined, then by ref. */
interface Place {
  lastAt: number;
  joinedAt: number;
  c: string;
}

function comparePlaces(a: Place, b: Place): number {
  return b.lastAt - a.lastAt || b.joinedAt - a.joinedAt || byCodeUnits(a.c, b.c);
}

function placeCursor(p: Place): string {
  return `${p.lastAt}.${p.joinedAt}.${p.c}`;
}

function parsePlace(cursor: string): Place | undefined {
  const m = /^(-1|\d{1,16})\.(\d{1,16})\.(.+)$/.exec(cursor);
  return m ? { lastAt: Number(m[1]), joinedAt: Number(m[2]), c: m[3]! } : undefined;
}
