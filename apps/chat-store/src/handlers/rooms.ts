import { TidingsError } from '@tidings/protocol';
import type { Handler, Logger } from '@tidings/service-kit';
import { callerOf, roomOrThrow, visibleRoom, type ChatContext } from '../context.js';
import { requireRoomForOneMore } from './moderation.js';
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
    const mine = previous.catch(() => {}).then(() => createRoom(chat, caller, request, ctx.logger));
    creating.set(caller.id, mine);
    try {
      return await mine;
    } finally {
      if (creating.get(caller.id) === mine) creating.delete(caller.id);
    }
  };
}

async function createRoom(
  chat: ChatContext,
  caller: UserRef,
  request: { name: string; private?: boolean | undefined; topic?: string | undefined },
  logger: Logger,
): Promise<{ name: string; lastSeq: number }> {
  const { name } = request;
  const isPrivate = request.private ?? false;
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
        private: isPrivate,
        topic: request.topic ? request.topic : null,
        members: { create: [{ userId: caller.id, joinedAt: now, role: 'owner' }] },
      },
      select: { id: true },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new TidingsError('CONFLICT', `a room named ${name} already exists`);
    throw err;
  }
  const room: ConversationInfo = { id: roomIdOf(name), kind: 'room', name, participants: null, private: isPrivate };
  chat.directory.rememberRoom(room);
  chat.directory.rememberMember(room, caller);
  // The brokers learn of a private room (and its owner) before the owner's client subscribes.
  if (isPrivate) chat.events.roomAccess(name, caller.username, true);
  chat.events.room(name, { t: 'j', u: caller.username });
  chat.events.inbox(caller.username, { t: 'mb', c: name, on: true });
  logger.info({ room: name, private: isPrivate }, 'room created');
  return { name, lastSeq: 0 };
}

/**
 * room.join (user): joins a public room; joining a room one is in already answers the same and
 * changes nothing (a retry after a lost reply). A private room is NOT_FOUND to a non-member (the
 * way in is room.invite); a banned user gets FORBIDDEN; a full room (ROOM_MEMBERS_MAX) too. The
 * read marker starts at the room's last message, so a newcomer is not shown the whole past as
 * unread. Events: `j` on the room, `mb` to the inbox.
 */
export function roomJoinHandler(chat: ChatContext): Handler<'room.join'> {
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const room = await visibleRoom(chat, caller, request.name);
    const lastSeq = await chat.writer.lastSeq(room.id);
    if (!(await chat.directory.isMember(room, caller))) {
      if (await chat.directory.banned(room, caller)) throw new TidingsError('FORBIDDEN', `you are banned from ${request.name}`);
      await requireRoomForOneMore(chat, room);
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
 * nothing. The owner cannot leave while anyone else is in the room: they hand it over first
 * (room.role … owner); alone, they may, and the room has no owner then. Events: `lv` on the
 * room, `mb` to the inbox; for a private room the brokers stop the leaver's subscription.
 */
export function roomLeaveHandler(chat: ChatContext): Handler<'room.leave'> {
  return async (request, ctx) => {
    const caller = await callerOf(chat, ctx);
    const room = await roomOrThrow(chat, request.name);
    if ((await chat.directory.role(room, caller)) === 'owner') {
      const others = await chat.db.prisma.membership.count({ where: { conversationId: room.id, userId: { not: caller.id } } });
      if (others > 0) throw new TidingsError('FORBIDDEN', `you own ${request.name}: hand it over to another member first (room.role with role owner)`);
    }
    const { count } = await chat.db.prisma.membership.deleteMany({ where: { conversationId: room.id, userId: caller.id } });
    chat.directory.forgetMember(room, caller);
    if (count > 0 && room.private) chat.events.roomAccess(request.name, caller.username, false);
    if (count > 0) {
      chat.events.room(request.name, { t: 'lv', u: caller.username });
      chat.events.inbox(caller.username, { t: 'mb', c: request.name, on: false });
      ctx.logger.debug({ room: request.name }, 'left');
    }
    return { name: request.name };
  };
}
