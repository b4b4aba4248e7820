import type { Database } from '@tidings/db';
import { TidingsError } from '@tidings/protocol';

export interface LikeOutcome {
  /** The number of likes now. */
  n: number;
  /** Whether anything changed (a like added or taken back, or a drifted count repaired). */
  changed: boolean;
}

/**
 * Adds (`on`) or takes back the caller's like of one message and sets Message.likeCount from
 * the Like rows, in one transaction. Idempotent: liking twice keeps one like (the Like primary
 * key is (messageId, userId)), unliking what was never liked changes nothing.
 *
 * The transaction first touches the message row, which takes its row lock on PostgreSQL, so two
 * people liking the same message at once are counted one after the other and the stored count
 * always equals the number of likes (on SQLite writers are serialised anyway). A message deleted
 * meanwhile is refused with NOT_FOUND.
 */
export async function applyLike(db: Database, messageId: string, userId: string, on: boolean, now: () => number = Date.now): Promise<LikeOutcome> {
  return db.prisma.$transaction(async (tx) => {
    const message = await tx.message.update({
      where: { id: messageId },
      data: { likeCount: { increment: 0 } },
      select: { likeCount: true, deletedAt: true },
    });
    if (message.deletedAt) throw new TidingsError('NOT_FOUND', 'that message was deleted');
    const key = { messageId_userId: { messageId, userId } };
    const existing = await tx.like.findUnique({ where: key, select: { userId: true } });
    let toggled = false;
    if (on && !existing) {
      await tx.like.create({ data: { messageId, userId, createdAt: new Date(now()) } });
      toggled = true;
    } else if (!on && existing) {
      await tx.like.delete({ where: key });
      toggled = true;
    }
    const n = await tx.like.count({ where: { messageId } });
    if (n !== message.likeCount) await tx.message.update({ where: { id: messageId }, data: { likeCount: n } });
    return { n, changed: toggled || n !== message.likeCount };
  });
}
