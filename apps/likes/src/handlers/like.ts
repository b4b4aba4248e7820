import { TidingsError, type ConversationEvent, type ParsedRequestOf, type ResultOf } from '@tidings/protocol';
import { callerUsername, type HandlerContext, type Logger } from '@tidings/service-kit';
import { applyLike } from '../apply.js';
import { resolveTarget, type Delivery, type LikesContext } from '../context.js';

type LikeHandler = (request: ParsedRequestOf<'like.add'>, ctx: HandlerContext) => Promise<ResultOf<'like.add'>>;

/**
 * like.add (`on`) and like.remove (user): one like per user per message. The caller must be
 * able to take part in the conversation (a member of the room; a DM is the caller's own by its
 * ref; a private room's non-member gets NOT_FOUND, as for a room that does not exist); an unknown
 * or deleted message is NOT_FOUND, and a room event (a kick, a topic change…: it has a sequence
 * number too) is BAD_REQUEST — it is not a message. After the commit the new count is published
 * at QoS 1 on the room's topic, or on both participants' inboxes with the ref each of them uses.
 * Nothing is published when nothing changed (a second like, or unliking what was not liked).
 */
export function likeHandler(likes: LikesContext, on: boolean): LikeHandler {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const target = await resolveTarget(likes.db, username, request.c);
    const missing = () => new TidingsError('NOT_FOUND', `there is no message ${request.c}#${request.s}`);
    // Past the end there is nothing (and no number too big for PostgreSQL's 32-bit Int reaches SQL).
    if (request.s > target.lastSeq) throw missing();
    const message = await likes.db.prisma.message.findUnique({
      where: { conversationId_seq: { conversationId: target.conversationId, seq: request.s } },
      select: { id: true, deletedAt: true, event: true },
    });
    if (!message) throw missing();
    if (message.deletedAt) throw new TidingsError('NOT_FOUND', 'that message was deleted');
    if (message.event !== null) throw new TidingsError('BAD_REQUEST', 'a room event cannot be liked');

    let sent: Promise<void> = Promise.resolve();
    const outcome = await likes.serial.run(message.id, async () => {
      const result = await applyLike(likes.db, message.id, target.callerId, on, likes.now);
      // Started while still in turn, so events for one message leave in commit order.
      if (result.changed) sent = publishCount(likes, target.deliveries, request.s, result.n, ctx.logger);
      return result;
    });
    await sent;
    ctx.logger.debug({ c: request.c, s: request.s, n: outcome.n, on }, on ? 'liked' : 'unliked');
    return { s: request.s, n: outcome.n, me: on };
  };
}

/** Publishes `{t:'l', s, n}` to every delivery topic; a failure is logged, never thrown (the like is committed). */
function publishCount(likes: LikesContext, deliveries: Delivery[], s: number, n: number, logger: Logger): Promise<void> {
  const sends = deliveries.map((d) => {
    const event: ConversationEvent = d.c === undefined ? { t: 'l', s, n } : { t: 'l', s, n, c: d.c };
    return likes.client.publishAsync(d.topic, JSON.stringify(event), { qos: 1 }).then(
      () => undefined,
      (err: unknown) => logger.warn({ err, topic: d.topic }, 'could not publish a like count'),
    );
  });
  return Promise.all(sends).then(() => undefined);
}
