import type { Handlers } from '@tidings/service-kit';
import type { ChatContext } from '../context.js';
import { deleteHandler } from './delete.js';
import { editHandler } from './edit.js';
import { banHandler, inviteHandler, kickHandler, muteHandler, roleHandler, topicHandler, unbanHandler } from './moderation.js';
import { readHandler } from './read.js';
import { roomCreateHandler, roomJoinHandler, roomLeaveHandler } from './rooms.js';
import { sendHandler } from './send.js';

/** One handler per action of chat-store. */
export function chatStoreHandlers(chat: ChatContext): Handlers {
  return {
    'chat.send': sendHandler(chat),
    'chat.edit': editHandler(chat),
    'chat.delete': deleteHandler(chat),
    'chat.read': readHandler(chat),
    'room.create': roomCreateHandler(chat),
    'room.join': roomJoinHandler(chat),
    'room.leave': roomLeaveHandler(chat),
    'room.invite': inviteHandler(chat),
    'room.kick': kickHandler(chat),
    'room.ban': banHandler(chat),
    'room.unban': unbanHandler(chat),
    'room.mute': muteHandler(chat),
    'room.role': roleHandler(chat),
    'room.topic': topicHandler(chat),
  };
}
