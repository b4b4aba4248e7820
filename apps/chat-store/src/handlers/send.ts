import { TidingsError, mentionsIn, parseRef, textProblem } from '@tidings/protocol';
import { rateLimited, type Handler } from '@tidings/service-kit';
import { callerOf, notAMember, peerOrThrow, visibleRoom, type ChatContext } from '../context.js';
import type { ConversationInfo, UserRef } from '../directory.js';
import { idReused } from '../errors.js';

/**
 * chat.send (user): stores a message in a room or a direct conversation and publishes it live.
 * The request id is the idempotency key: the same id again (a retry after a lost ack) answers the
 * first ack and stores nothing, and costs no send token; the same id for another conversation is
 * a CONFLICT. The ack `{s, at}` is sent only once the message is committed.
 */
export function sendHandler(chat: ChatContext): Handler<'chat.send'> {
  return async (request, ctx) => {
    const sender = await callerOf(chat, ctx);
    const problem = textProblem(request.x);
    if (problem) throw new TidingsError('BAD_REQUEST', problem);
    const text = request.x.trim();

    // Where it goes. A direct conversation is only looked up here; it is created below, once the
    // send is known to be neither a retry nor over the rate limit.
    const parsed = parseRef(request.c);
    let conv: ConversationInfo | null;
    let peer: UserRef | undefined;
    if (parsed.kind === 'room') {
      conv = await visibleRoom(chat, sender, parsed.name);
      if (!(await chat.directory.isMember(conv, sender))) throw notAMember();
      const mutedUntil = await chat.directory.mutedUntil(conv, sender);
      const now = chat.now();
      if (mutedUntil > now) throw muted(parsed.name, mutedUntil, now);
    } else {
      peer = await peerOrThrow(chat, sender, parsed.username);
      conv = await chat.directory.dm(sender.username, peer.username);
    }

    // A retry of a send this process remembers or is storing: its ack, no token taken.
    // A direct conversation looked up as missing may have been made since by a copy of this very
    // send (sent again at once on a bad link): look again before calling the id reused.
    const settled = async () => conv ?? (peer ? await chat.directory.dm(sender.username, peer.username) : null);
    const known = chat.writer.known(sender.id, request.id);
    if (known) {
      if (known.conversationId !== (await settled())?.id) throw idReused();
      const { s, at } = await known.outcome();
      return { s, at };
    }

    const verdict = await chat.sendLimiter.take(sender.username);
    if (!verdict.allowed) {
      // A retry of a stored send is answered even when over the limit (it stores nothing).
      const stored = await chat.writer.findStored(sender.id, request.id);
      if (stored) {
        if (stored.conversationId !== (await settled())?.id) throw idReused();
        return { s: stored.s, at: stored.at };
      }
      throw rateLimited('Too many messages: wait and try again.', verdict.retryAfterMs);
    }

    let outcome;
    try {
      conv ??= await chat.directory.ensureDm(sender, peer!, new Date(chat.now()));
      const mentions = await mentionedMembers(chat, conv, sender, text);
      outcome = await chat.writer.submit({ conv, sender, clientKey: request.id, text, mentions });
    } catch (err) {
      await chat.sendLimiter.refund(sender.username);
      throw err;
    }
    if (outcome.duplicate) await chat.sendLimiter.refund(sender.username);
    return { s: outcome.s, at: outcome.at };
  };
}

/** FORBIDDEN for a muted member: until when, and retryAfter in seconds. */
function muted(room: string, until: number, now: number): TidingsError {
  const when = new Date(until).toISOString().replace('T', ' ').slice(0, 16);
  return new TidingsError('FORBIDDEN', `You are muted in ${room} until ${when} UTC.`, { retryAfter: Math.ceil((until - now) / 1000) });
}

/**
 * The members a message mentions (`@name`, at most MENTIONS_MAX): users who exist and are in the
 * conversation (a room's members; in a direct conversation, the other one), never the sender.
 */
async function mentionedMembers(chat: ChatContext, conv: ConversationInfo, sender: UserRef, text: string): Promise<UserRef[]> {
  const found: UserRef[] = [];
  for (const name of mentionsIn(text)) {
    if (name === sender.username) continue;
    const user = await chat.directory.user(name);
    if (user && (await chat.directory.isMember(conv, user))) found.push(user);
  }
  return found;
}
