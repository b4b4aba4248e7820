import { MUTE_MAX_SECONDS, ROOM_MEMBERS_MAX, TidingsError, roleRank, type Role, type RoomEvent } from '@tidings/protocol';
import { rateLimited, type Handler, type HandlerContext } from '@tidings/service-kit';
import { callerOf, visibleRoom, type ChatContext } from '../context.js';
import type { ConversationInfo, UserRef } from '../directory.js';
import type { Statement } from '../batch-sql.js';
import { RoomStatements } from '../room-sql.js';

/**
 * Room actions: invite, kick, ban, unban, mute, role, topic.
 *
 * WHO MAY. Moderators and the owner invite, kick, ban, unban, mute and set the topic; only the
 * owner changes roles. One acts on someone only from a higher role (roleRank): a moderator
 * cannot kick another moderator or the owner, and nobody acts on themselves. Anyone else gets
 * FORBIDDEN and nothing changes.
 *
 * RECORDED. Each action that changes something is a room event in the room's history (a row of
 * its own, with a sequence number, which gap-fill and history return like any message), written
 * by the message writer in the same transaction as the change itself (SendInput.effects): the
 * change and its record commit together or not at all. The request id is the event's
 * idempotency key, as a message's: a retry answers the first answer's `s` and changes nothing
 * again. An action that finds nothing to change (banning someone banned) answers without `s`.
 * Room actions take send tokens: a moderator cannot flood the history faster than a sender.
 */

/** The key an action's history entry is stored under: apart from the ids of messages. */
export function actionKey(requestId: string): string {
  return `act:${requestId}`;
}

interface Acting {
  chat: ChatContext;
  ctx: HandlerContext;
  room: ConversationInfo;
  caller: UserRef;
  role: Role | null;
  requestId: string;
}

/** The room (visible to the caller), the caller, their role; and the answer of a retry, if any. */
async function acting(chat: ChatContext, ctx: HandlerContext, name: string, requestId: string): Promise<Acting & { retried?: number }> {
  const caller = await callerOf(chat, ctx);
  const room = await visibleRoom(chat, caller, name);
  const key = actionKey(requestId);
  const known = chat.writer.known(caller.id, key);
  const stored = known ? { conversationId: known.conversationId, s: (await known.outcome()).s } : await chat.writer.findStored(caller.id, key);
  const role = await chat.directory.role(room, caller);
  const base = { chat, ctx, room, caller, role, requestId };
  if (stored && stored.conversationId === room.id) return { ...base, retried: stored.s };
  return base;
}

function requireRank(a: Acting, needed: Role, verb: string): void {
  if (roleRank(a.role) < roleRank(needed)) {
    const who = needed === 'owner' ? 'the owner' : 'moderators and the owner';
    throw new TidingsError('FORBIDDEN', `only ${who} of ${a.room.name} may ${verb}`);
  }
}

async function targetOf(a: Acting, username: string, verb: string): Promise<{ user: UserRef; role: Role | null }> {
  if (username === a.caller.username) throw new TidingsError('BAD_REQUEST', `you cannot ${verb} yourself`);
  const user = await a.chat.directory.user(username);
  if (!user) throw new TidingsError('NOT_FOUND', `there is no user named ${username}`);
  return { user, role: await a.chat.directory.role(a.room, user) };
}

/** One may act on someone only from a higher role. */
function requireAbove(a: Acting, target: { user: UserRef; role: Role | null }, verb: string): void {
  if (roleRank(target.role) >= roleRank(a.role)) {
    throw new TidingsError(
      'FORBIDDEN',
      `you cannot ${verb} ${target.user.username}: they are ${target.role === 'owner' ? 'the owner' : 'a moderator'} of ${a.room.name}`,
    );
  }
}

/** Stores the event with its effects; resolves once committed. */
async function record(a: Acting, event: RoomEvent, effects: Statement[]): Promise<{ s: number; duplicate: boolean }> {
  const verdict = await a.chat.sendLimiter.take(a.caller.username);
  if (!verdict.allowed) throw rateLimited('Too many room actions and messages: wait and try again.', verdict.retryAfterMs);
  try {
    const outcome = await a.chat.writer.submit({
      conv: a.room,
      sender: a.caller,
      clientKey: actionKey(a.requestId),
      text: '',
      event: JSON.stringify(event),
      effects,
    });
    if (outcome.duplicate) await a.chat.sendLimiter.refund(a.caller.username);
    a.ctx.logger.info({ room: a.room.name, k: event.k, s: outcome.s }, 'room action');
    return outcome;
  } catch (err) {
    await a.chat.sendLimiter.refund(a.caller.username);
    throw err;
  }
}

function sql(chat: ChatContext): RoomStatements {
  return new RoomStatements(chat.db.provider);
}

/** After a member was removed (kick, ban): their devices and, for a private room, the brokers hear of it. */
function announceRemoval(chat: ChatContext, room: ConversationInfo, user: UserRef): void {
  chat.directory.forgetMember(room, user);
  if (room.private) chat.events.roomAccess(room.name!, user.username, false);
  chat.events.inbox(user.username, { t: 'mb', c: room.name!, on: false });
}

/** Refuses a new member past ROOM_MEMBERS_MAX. */
export async function requireRoomForOneMore(chat: ChatContext, room: ConversationInfo): Promise<void> {
  const members = await chat.db.prisma.membership.count({ where: { conversationId: room.id } });
  if (members >= ROOM_MEMBERS_MAX)
    throw new TidingsError('FORBIDDEN', `${room.name} is full: a room has at most ${ROOM_MEMBERS_MAX.toLocaleString('en')} members`);
}

export function inviteHandler(chat: ChatContext): Handler<'room.invite'> {
  return async (request, ctx) => {
    const a = await acting(chat, ctx, request.name, request.id);
    if (a.retried) return { name: request.name, s: a.retried };
    requireRank(a, 'mod', 'invite people');
    const target = await targetOf(a, request.u, 'invite');
    if (target.role) return { name: request.name };
    if (await chat.directory.banned(a.room, target.user))
      throw new TidingsError('CONFLICT', `${target.user.username} is banned from ${request.name}: unban them first`);
    await requireRoomForOneMore(chat, a.room);
    const lastSeq = await chat.writer.lastSeq(a.room.id);
    const { s, duplicate } = await record(a, { k: 'invite', w: target.user.username }, [
      sql(chat).addMember(a.room.id, target.user.id, 'member', new Date(chat.now()), lastSeq),
    ]);
    if (!duplicate) {
      chat.directory.rememberMember(a.room, target.user);
      // The brokers first, then the invitee: their client subscribes when it hears `mb`.
      if (a.room.private) chat.events.roomAccess(request.name, target.user.username, true);
      chat.events.inbox(target.user.username, { t: 'mb', c: request.name, on: true });
    }
    return { name: request.name, s };
  };
}

export function kickHandler(chat: ChatContext): Handler<'room.kick'> {
  return async (request, ctx) => {
    const a = await acting(chat, ctx, request.name, request.id);
    if (a.retried) return { name: request.name, s: a.retried };
    requireRank(a, 'mod', 'remove members');
    const target = await targetOf(a, request.u, 'remove');
    if (!target.role) return { name: request.name };
    requireAbove(a, target, 'remove');
    const { s, duplicate } = await record(a, { k: 'kick', w: target.user.username }, [sql(chat).removeMember(a.room.id, target.user.id)]);
    if (!duplicate) announceRemoval(chat, a.room, target.user);
    return { name: request.name, s };
  };
}

export function banHandler(chat: ChatContext): Handler<'room.ban'> {
  return async (request, ctx) => {
    const a = await acting(chat, ctx, request.name, request.id);
    if (a.retried) return { name: request.name, s: a.retried };
    requireRank(a, 'mod', 'ban people');
    const target = await targetOf(a, request.u, 'ban');
    requireAbove(a, target, 'ban');
    if (!target.role && (await chat.directory.banned(a.room, target.user))) return { name: request.name };
    const now = new Date(chat.now());
    const { s, duplicate } = await record(a, { k: 'ban', w: target.user.username }, [
      sql(chat).removeMember(a.room.id, target.user.id),
      sql(chat).sanction(a.room.id, target.user.id, 'ban', null, a.caller.id, now),
    ]);
    if (!duplicate && target.role) announceRemoval(chat, a.room, target.user);
    return { name: request.name, s };
  };
}

export function unbanHandler(chat: ChatContext): Handler<'room.unban'> {
  return async (request, ctx) => {
    const a = await acting(chat, ctx, request.name, request.id);
    if (a.retried) return { name: request.name, s: a.retried };
    requireRank(a, 'mod', 'lift bans');
    const target = await targetOf(a, request.u, 'unban');
    if (!(await chat.directory.banned(a.room, target.user))) return { name: request.name };
    const { s } = await record(a, { k: 'unban', w: target.user.username }, [sql(chat).lift(a.room.id, target.user.id, 'ban')]);
    return { name: request.name, s };
  };
}

export function muteHandler(chat: ChatContext): Handler<'room.mute'> {
  return async (request, ctx) => {
    const a = await acting(chat, ctx, request.name, request.id);
    if (a.retried) return { name: request.name, s: a.retried };
    requireRank(a, 'mod', 'mute people');
    const target = await targetOf(a, request.u, 'mute');
    requireAbove(a, target, 'mute');
    const now = chat.now();
    const current = await chat.directory.mutedUntil(a.room, target.user);
    if (request.seconds === 0) {
      if (current <= now) return { name: request.name };
      const { s, duplicate } = await record(a, { k: 'unmute', w: target.user.username }, [sql(chat).lift(a.room.id, target.user.id, 'mute')]);
      if (!duplicate) chat.directory.rememberMute(a.room, target.user, 0);
      return { name: request.name, s };
    }
    const seconds = Math.min(request.seconds, MUTE_MAX_SECONDS);
    const until = now + seconds * 1000;
    const { s, duplicate } = await record(a, { k: 'mute', w: target.user.username, until }, [
      sql(chat).sanction(a.room.id, target.user.id, 'mute', new Date(until), a.caller.id, new Date(now)),
    ]);
    if (!duplicate) chat.directory.rememberMute(a.room, target.user, until);
    return { name: request.name, s, until };
  };
}

export function roleHandler(chat: ChatContext): Handler<'room.role'> {
  return async (request, ctx) => {
    const a = await acting(chat, ctx, request.name, request.id);
    if (a.retried) return { name: request.name, s: a.retried };
    requireRank(a, 'owner', 'change roles');
    const target = await targetOf(a, request.u, 'change the role of');
    if (!target.role) throw new TidingsError('NOT_FOUND', `${target.user.username} is not in ${request.name}`);
    if (target.role === request.role) return { name: request.name };
    const effects = [sql(chat).setRole(a.room.id, target.user.id, request.role)];
    // Handing the room over: one owner at a time, and the one who was stays a moderator.
    if (request.role === 'owner') effects.push(sql(chat).setRole(a.room.id, a.caller.id, 'mod'));
    const { s } = await record(a, { k: 'role', w: target.user.username, role: request.role }, effects);
    return { name: request.name, s };
  };
}

export function topicHandler(chat: ChatContext): Handler<'room.topic'> {
  return async (request, ctx) => {
    const a = await acting(chat, ctx, request.name, request.id);
    if (a.retried) return { name: request.name, s: a.retried };
    requireRank(a, 'mod', 'set the topic');
    const row = await chat.db.prisma.conversation.findUnique({ where: { id: a.room.id }, select: { topic: true } });
    if ((row?.topic ?? '') === request.topic) return { name: request.name };
    const { s } = await record(a, { k: 'topic', x: request.topic }, [sql(chat).setTopic(a.room.id, request.topic === '' ? null : request.topic)]);
    return { name: request.name, s };
  };
}

/**
 * A moderator removes someone else's message (chat.delete on a message that is not theirs): a
 * tombstone that says who removed it, and a `remove` room event, in one transaction.
 */
export async function removeAsModerator(
  chat: ChatContext,
  ctx: HandlerContext,
  room: ConversationInfo,
  caller: UserRef,
  message: { id: string; senderId: string; seq: number },
  requestId: string,
): Promise<number> {
  const a: Acting = { chat, ctx, room, caller, role: await chat.directory.role(room, caller), requestId };
  requireRank(a, 'mod', 'remove other people’s messages');
  const senderRole = await chat.db.prisma.membership.findUnique({
    where: { conversationId_userId: { conversationId: room.id, userId: message.senderId } },
    select: { role: true },
  });
  if (roleRank(senderRole?.role as Role | undefined) >= roleRank(a.role)) {
    throw new TidingsError(
      'FORBIDDEN',
      `you cannot remove this message: its sender is ${senderRole?.role === 'owner' ? 'the owner' : 'a moderator'} of ${room.name}`,
    );
  }
  const { s } = await record(a, { k: 'remove', s: message.seq }, [sql(chat).removeMessage(message.id, caller.id, new Date(chat.now()))]);
  return s;
}
