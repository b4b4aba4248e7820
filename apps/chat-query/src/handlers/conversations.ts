import { callerUsername, type Handler } from '@tidings/service-kit';
import { MESSAGE_SELECT, byCodeUnits, messageRowOf, otherOf, toWire, type MessageRow, type QueryContext } from '../context.js';
import { jsonBytesOf, listPage } from '../paging.js';

/** How many (conversation, seq) pairs go into one query for the last messages. */
const LAST_MESSAGE_BATCH = 500;

/**
 * chat.conversations (user): the rooms the caller is a member of and their direct
 * conversations, each with its last message and unread count, newest activity first
 * (conversations without a message yet come last, most recently joined first).
 *
 * `unread` is `lastSeq − readSeq` (never negative): an approximation. It counts every
 * message after the read marker, including the caller's own and deleted ones; chat-store
 * moves the sender's marker past their own message when they send, so one's own messages
 * normally do not count, but a message sent from another device before the marker moves may.
 * `last` carries no like fields (those are for history).
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
        lastReadSeq: true,
        joinedAt: true,
        conversation: { select: { id: true, kind: true, name: true, dmKey: true, lastSeq: true } },
      },
    });

    const wanted = memberships.filter((m) => m.conversation.lastSeq > 0);
    const lastOf = new Map<string, MessageRow>();
    for (let i = 0; i < wanted.length; i += LAST_MESSAGE_BATCH) {
      const batch = wanted.slice(i, i + LAST_MESSAGE_BATCH);
      const rows = await prisma.message.findMany({
        where: { OR: batch.map((m) => ({ conversationId: m.conversation.id, seq: m.conversation.lastSeq })) },
        select: { ...MESSAGE_SELECT, conversationId: true },
      });
      for (const row of rows) lastOf.set(row.conversationId, messageRowOf(row));
    }

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
        ...(row ? { last: toWire(row) } : {}),
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
