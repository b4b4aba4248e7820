import { REACTIONS, REACTION_WHO_MAX, canonicalCounts, type ParsedRequestOf, type ReactionEmoji, type ResultOf } from '@tidings/protocol';
import { callerUsername, type HandlerContext } from '@tidings/service-kit';
import type { LikesContext } from '../context.js';
import { findMessage } from './like.js';

/**
 * reaction.who: who gave a message's reactions — per emoji (one, or every emoji it has) at most
 * REACTION_WHO_MAX usernames, earliest first, and the counts, so a client can say "and 12 more".
 * Reading: anyone who may read the conversation may ask (a public room's non-member too; a private
 * room's non-member gets the NOT_FOUND of a room that does not exist). One query per emoji asked
 * for, each a range of the (messageId, emoji, createdAt) index and at most REACTION_WHO_MAX rows:
 * the answer is at most 6 × 50 names of ≤ 32 bytes, about 11 KB.
 */
export function whoHandler(likes: LikesContext): (request: ParsedRequestOf<'reaction.who'>, ctx: HandlerContext) => Promise<ResultOf<'reaction.who'>> {
  return async (request, ctx) => {
    const { id } = await findMessage(likes, callerUsername(ctx), request.c, request.s, true);
    const prisma = likes.db.prisma;
    const groups = await prisma.reaction.groupBy({ by: ['emoji'], where: { messageId: id }, _count: { _all: true } });
    const all = canonicalCounts(Object.fromEntries(groups.map((g) => [g.emoji, g._count._all])));
    const asked: ReactionEmoji[] = request.e === undefined ? REACTIONS.filter((r) => all[r] !== undefined) : all[request.e] ? [request.e] : [];
    const lists = await Promise.all(
      asked.map((emoji) =>
        prisma.reaction.findMany({
          where: { messageId: id, emoji },
          orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
          take: REACTION_WHO_MAX,
          select: { user: { select: { username: true } } },
        }),
      ),
    );
    const rx = request.e === undefined ? all : canonicalCounts({ [request.e]: all[request.e] ?? 0 });
    const who: Partial<Record<ReactionEmoji, string[]>> = {};
    asked.forEach((emoji, i) => (who[emoji] = lists[i]!.map((r) => r.user.username)));
    return { s: request.s, rx, who };
  };
}
