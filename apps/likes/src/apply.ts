import type { Database } from '@tidings/db';
import { REACTIONS, TidingsError, canonicalCounts, type ReactionCounts, type ReactionEmoji } from '@tidings/protocol';

export interface ReactionOutcome {
  /** The message's reactions now (count per emoji, canonical order, no zeros). */
  rx: ReactionCounts;
  /** The caller's reactions on it now, in the set's order. */
  my: ReactionEmoji[];
  /** Whether anything changed (a reaction given or taken back, or a drifted summary repaired). */
  changed: boolean;
}

/** The stored summary (Message.reactions) of these counts: null when there are none. */
export function storedSummary(rx: ReactionCounts): string | null {
  return Object.keys(rx).length === 0 ? null : JSON.stringify(rx);
}

/**
 * Gives (`on`) or takes back the caller's reaction `emoji` to one message, then sets the message's
 * summary from the Reaction rows — Message.reactions (the wire's `rx`, JSON) and Message.likeCount
 * (every reaction) — in one transaction. Idempotent: giving twice keeps one reaction (the primary
 * key is (messageId, userId, emoji)); taking back what was never given changes nothing. One user
 * holds at most REACTIONS.length reactions on a message: the emoji is one of the set (the schema
 * checks it before this runs).
 *
 * The transaction first touches the message row, which takes its row lock on PostgreSQL, so two
 * people reacting to the same message at once are counted one after the other and the stored
 * summary always equals the rows (on SQLite writers are serialised anyway). A message deleted
 * meanwhile is refused with NOT_FOUND.
 */
export async function applyReaction(
  db: Database,
  messageId: string,
  userId: string,
  emoji: ReactionEmoji,
  on: boolean,
  now: () => number = Date.now,
): Promise<ReactionOutcome> {
  return db.prisma.$transaction(async (tx) => {
    const message = await tx.message.update({
      where: { id: messageId },
      data: { likeCount: { increment: 0 } },
      select: { likeCount: true, reactions: true, deletedAt: true },
    });
    if (message.deletedAt) throw new TidingsError('NOT_FOUND', 'that message was deleted');
    const key = { messageId_userId_emoji: { messageId, userId, emoji } };
    const existing = await tx.reaction.findUnique({ where: key, select: { userId: true } });
    let toggled = false;
    if (on && !existing) {
      await tx.reaction.create({ data: { messageId, userId, emoji, createdAt: new Date(now()) } });
      toggled = true;
    } else if (!on && existing) {
      await tx.reaction.delete({ where: key });
      toggled = true;
    }
    const [groups, mine] = await Promise.all([
      tx.reaction.groupBy({ by: ['emoji'], where: { messageId }, _count: { _all: true } }),
      tx.reaction.findMany({ where: { messageId, userId }, select: { emoji: true } }),
    ]);
    const rx = canonicalCounts(Object.fromEntries(groups.map((g) => [g.emoji, g._count._all])));
    // Rows of an emoji no longer in the set (none today: the set is only appended to) are not counted.
    const total = Object.values(rx).reduce((a, b) => a + b, 0);
    const summary = storedSummary(rx);
    const drifted = total !== message.likeCount || summary !== message.reactions;
    if (drifted) await tx.message.update({ where: { id: messageId }, data: { likeCount: total, reactions: summary } });
    const given = new Set(mine.map((r) => r.emoji));
    return { rx, my: REACTIONS.filter((r) => given.has(r)), changed: toggled || drifted };
  });
}
