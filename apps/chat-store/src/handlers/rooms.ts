import { TidingsError } from '@tidings/protocol';
import type { Handler, Logger } from '@tidings/service-kit';
import { callerOf, roomOrThrow, type ChatContext } from '../context.js';
import { roomIdOf, type ConversationInfo, type UserRef } from '../directory.js';
import { isUniqueViolation } from '../errors.js';

/**
 * room.create (user): creates a room (the schema has trimmed and lower-cased the name and checked
 * its rules) with the creator as its first member. A name in use is a CONFLICT. One user may have
 * created at most `settings.roomsPerUser` rooms (FORBIDDEN past it): rooms are rows nobody
 * removes, so they are bounded like every other thing a client can make the system hold. One
 * user's creations run one at a time, so concurrent requests cannot pass the count together.
 */
export function roomCreateHandler(chat: ChatContext): Handler<'room.create'> {
  const creating = new Map<string, Promise<unknown>>();
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const previous = creating.get(caller.id) ?? Promise.resolve();
    const mine = previous.catch(() => {}).then(() => createRoom(chat, caller, request.name, ctx.logger));
    creating.set(caller.id, mine);
    try {
      return await mine;
    } finally {
      if (creating.get(caller.id) === mine) creating.delete(caller.id);
    }
  };
}

async function createRoom(chat: ChatContext, caller: UserRef, name: string, logger: Logger): Promise<{ name: string; lastSeq: number }> {
  const created = await chat.db.prisma.conversation.count({ where: { kind: 'room', createdById: caller.id } });
  if (created >= chat.settings.roomsPerUser) {
    throw new TidingsError('FORBIDDEN', `You have created ${created} rooms; one user may create at most ${chat.settings.roomsPerUser}.`);
  }
  const now = new Date(chat.now());
  try {
    await chat.db.prisma.conversation.create({
      data: {
        id: roomIdOf(name),
        kind: 'room',
        name,
        createdAt: now,
        createdById: caller.id,
        members: { create: [{ userId: caller.id, joinedAt: now }] },
      },
      select: { id: true },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new TidingsError('CONFLICT', `a room named ${name} already exists`);
    throw err;
  }
  const room: ConversationInfo = { id: roomIdOf(name), kind: 'room', name, participants: null };
  chat.directory.rememberRoom(room);
  chat.directory.rememberMember(room, caller);
  chat.events.room(name, { t: 'j', u: caller.username });
  chat.events.inbox(caller.username, { t: 'mb', c: name, on: true });
  logger.info({ room: name }, 'room created');
  return { name, lastSeq: 0 };
}

/**
 * room.join (user): joins a room; joining a room one is in already answers the same and changes
 * nothing (a retry after a lost reply). The read marker starts at the room's last message, so a
 * newcomer is not shown the whole past as unread. Events: `j` on the room, `mb` to the inbox.
 */
export function roomJoinHandler(chat: ChatContext): Handler<'room.join'> {
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const room = await roomOrThrow(chat, request.name);
    const lastSeq = await chat.writer.lastSeq(room.id);
    if (!(await chat.directory.isMember(room, caller))) {
      let joined = true;
      try {
        await chat.db.prisma.membership.create({
          data: { conversationId: room.id, userId: caller.id, joinedAt: new Date(chat.now()), lastReadSeq: lastSeq },
          select: { userId: true },
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        joined = false; // a concurrent join won
      }
      chat.directory.rememberMember(room, caller);
      if (joined) {
        chat.events.room(request.name, { t: 'j', u: caller.username });
        chat.events.inbox(caller.username, { t: 'mb', c: request.name, on: true });
        ctx.logger.debug({ room: request.name }, 'joined');
      }
    }
    return { name: request.name, lastSeq };
  };
}

/**
 * room.leave (user): leaves a room. An unknown room is NOT_FOUND; leaving a room one is not in
 * answers the same as leaving it (idempotent, so a retry after a lost reply succeeds) and changes
 * nothing. Events: `lv` on the room, `mb` to the inbox.
 */
export function roomLeaveHandler(chat: ChatContext): Handler<'room.leave'> {
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const room = await roomOrThrow(chat, request.name);
    const { count } = await chat.db.prisma.membership.deleteMany({ where: { conversationId: room.id, userId: caller.id } });
    chat.directory.forgetMember(room, caller);
    if (count > 0) {
      chat.events.room(request.name, { t: 'lv', u: caller.username });
      chat.events.inbox(caller.username, { t: 'mb', c: request.name, on: false });
      ctx.logger.debug({ room: request.name }, 'left');
    }
    return { name: request.name };
  };
}
