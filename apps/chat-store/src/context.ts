import type { Database } from '@tidings/db';
import { TidingsError, parseRef, noSuchRoom } from '@tidings/protocol';
import { callerUsername, type HandlerContext, type Logger } from '@tidings/service-kit';
import type { ConversationInfo, Directory, UserRef } from './directory.js';
import type { SendBudget } from './send-budget.js';
import type { LiveEvents } from './events.js';
import type { ChatStoreSettings } from './settings.js';
import type { MessageWriter } from './writer.js';

/** What every handler of chat-store works with; built once by createChatStore. */
export interface ChatContext {
  db: Database;
  directory: Directory;
  writer: MessageWriter;
  events: LiveEvents;
  /** chat.send and room actions per user (key: username): a steady per-second budget and a burst
   * (send-budget.ts); in Redis when the limits are (service-kit's createLimits). */
  sendLimiter: SendBudget;
  settings: ChatStoreSettings;
  now: () => number;
  logger: Logger;
}

/** The signed-in caller, as the broker verified them (from the topic). */
export async function callerOf(chat: ChatContext, ctx: HandlerContext): Promise<UserRef> {
  const user = await chat.directory.user(callerUsername(ctx));
  if (!user) throw new TidingsError('UNAUTHORIZED', 'This account no longer exists.');
  return user;
}

export async function roomOrThrow(chat: ChatContext, name: string): Promise<ConversationInfo> {
  const room = await chat.directory.room(name);
  if (!room) throw noSuchRoom(name);
  return room;
}

/**
 * A room the caller may see: any public room, and a private room only when they are in it. A
 * private room is NOT_FOUND to everyone else, with the words of a room that does not exist.
 */
export async function visibleRoom(chat: ChatContext, caller: UserRef, name: string): Promise<ConversationInfo> {
  const room = await roomOrThrow(chat, name);
  if (room.private && !(await chat.directory.isMember(room, caller))) throw noSuchRoom(name);
  return room;
}

/** The other participant of a direct conversation the caller names as `@username`. */
export async function peerOrThrow(chat: ChatContext, caller: UserRef, username: string): Promise<UserRef> {
  if (username === caller.username) throw new TidingsError('BAD_REQUEST', 'a direct conversation is with someone else, not yourself');
  const peer = await chat.directory.user(username);
  if (!peer) throw new TidingsError('NOT_FOUND', `there is no user named ${username}`);
  return peer;
}

export function notAMember(): TidingsError {
  return new TidingsError('FORBIDDEN', 'join the room first');
}

/**
 * The existing conversation a ref names for the caller (edit, delete, read). A room must exist
 * (and, with `member`, have the caller as a member); `@user` must be someone else who exists, and
 * the conversation with them must have been started.
 */
export async function existingConversation(chat: ChatContext, caller: UserRef, ref: string, options: { member: boolean }): Promise<ConversationInfo> {
  const parsed = parseRef(ref);
  if (parsed.kind === 'room') {
    const room = await visibleRoom(chat, caller, parsed.name);
    if (options.member && !(await chat.directory.isMember(room, caller))) throw notAMember();
    return room;
  }
  const peer = await peerOrThrow(chat, caller, parsed.username);
  const dm = await chat.directory.dm(caller.username, peer.username);
  if (!dm) throw new TidingsError('NOT_FOUND', `you have no conversation with ${peer.username} yet`);
  return dm;
}
