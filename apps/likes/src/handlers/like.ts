import { LIKE_REACTION, TidingsError, type ConversationEvent, type ParsedRequestOf, type ReactionEmoji, type ResultOf } from '@tidings/protocol';
import { callerUsername, type HandlerContext, type Logger } from '@tidings/service-kit';
import { applyReaction, type ReactionOutcome } from '../apply.js';
import { resolveTarget, type Delivery, type LikesContext, type Target } from '../context.js';

type ReactionHandler = (request: ParsedRequestOf<'reaction.add'>, ctx: HandlerContext) => Promise<ResultOf<'reaction.add'>>;
type LikeHandler = (request: ParsedRequestOf<'like.add'>, ctx: HandlerContext) => Promise<ResultOf<'like.add'>>;

/**
 * The message `c#s` names, for the caller: an unknown or deleted message is NOT_FOUND, and a room
 * event (a kick, a topic change…: it has a sequence number too) is BAD_REQUEST — it is not a
 * message. `read`: only to see who reacted (a public room's non-member may).
 */
export async function findMessage(likes: LikesContext, username: string, c: string, s: number, read = false): Promise<{ target: Target; id: string }> {
  const target = await resolveTarget(likes.db, username, c, read);
  const missing = () => new TidingsError('NOT_FOUND', `there is no message ${c}#${s}`);
  // Past the end there is nothing (and no number too big for PostgreSQL's 32-bit Int reaches SQL).
  if (s > target.lastSeq) throw missing();
  const message = await likes.db.prisma.message.findUnique({
    where: { conversationId_seq: { conversationId: target.conversationId, seq: s } },
    select: { id: true, deletedAt: true, event: true },
  });
  if (!message) throw missing();
  if (message.deletedAt) throw new TidingsError('NOT_FOUND', 'that message was deleted');
  if (message.event !== null) throw new TidingsError('BAD_REQUEST', 'a room event cannot get reactions');
  return { target, id: message.id };
}

/**
 * Gives (`on`) or takes back one reaction of the caller to message `c#s`. The caller must be able
 * to take part in the conversation (a member of the room; a DM is the caller's own by its ref; a
 * private room's non-member gets NOT_FOUND, as for a room that does not exist). After the commit
 * the message's reactions are published at QoS 1 on the room's topic, or on both participants'
 * inboxes with the ref each of them uses. Nothing is published when nothing changed.
 */
async function react(likes: LikesContext, ctx: HandlerContext, c: string, s: number, emoji: ReactionEmoji, on: boolean): Promise<ReactionOutcome> {
  const username = callerUsername(ctx);
  const { target, id } = await findMessage(likes, username, c, s);
  const callerId = target.callerId!; // set whenever not only reading
  let sent: Promise<void> = Promise.resolve();
  const outcome = await likes.serial.run(id, async () => {
    const result = await applyReaction(likes.db, id, callerId, emoji, on, likes.now);
    // Started while still in turn, so events for one message leave in commit order.
    if (result.changed) sent = publishReactions(likes, target.deliveries, { t: 'r', s, rx: result.rx, u: username, e: emoji, on }, ctx.logger);
    return result;
  });
  await sent;
  ctx.logger.debug({ c, s, emoji, on }, on ? 'reacted' : 'took back a reaction');
  return outcome;
}

/** reaction.add (`on`) and reaction.remove: answers the message's reactions and the caller's own. */
export function reactionHandler(likes: LikesContext, on: boolean): ReactionHandler {
  return async (request, ctx) => {
    const { rx, my } = await react(likes, ctx, request.c, request.s, request.e, on);
    return { s: request.s, rx, my };
  };
}

/** like.add (`on`) and like.remove: the ❤️ reaction, answered as before reactions (`n` = the ❤️ count). */
export function likeHandler(likes: LikesContext, on: boolean): LikeHandler {
  return async (request, ctx) => {
    const { rx, my } = await react(likes, ctx, request.c, request.s, LIKE_REACTION, on);
    return { s: request.s, n: rx[LIKE_REACTION] ?? 0, me: my.includes(LIKE_REACTION) };
  };
}

/** Publishes `{t:'r', s, rx, u, e, on}` to every delivery topic (with each inbox's `c`); a failure is logged, never thrown (the reaction is committed). */
function publishReactions(likes: LikesContext, deliveries: Delivery[], event: ConversationEvent & { t: 'r' }, logger: Logger): Promise<void> {
  const sends = deliveries.map((d) => {
    const copy: ConversationEvent = d.c === undefined ? event : { ...event, c: d.c };
    return likes.client.publishAsync(d.topic, JSON.stringify(copy), { qos: 1 }).then(
      () => undefined,
      (err: unknown) => logger.warn({ err, topic: d.topic }, 'could not publish reactions'),
    );
  });
  return Promise.all(sends).then(() => undefined);
}
