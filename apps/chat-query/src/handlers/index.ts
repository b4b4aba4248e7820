import type { Handlers } from '@tidings/service-kit';
import type { QueryContext } from '../context.js';
import { conversationsHandler } from './conversations.js';
import { historyHandler } from './history.js';
import { roomInfoHandler } from './room-info.js';
import { roomMembersHandler } from './room-members.js';
import { roomListHandler } from './room-list.js';
import { searchHandler } from './search.js';
import { userListHandler } from './user-list.js';

/** One handler per action of the chat-query service. */
export function chatQueryHandlers(q: QueryContext): Handlers {
  return {
    'chat.history': historyHandler(q),
    'chat.conversations': conversationsHandler(q),
    'chat.search': searchHandler(q),
    'room.list': roomListHandler(q),
    'room.info': roomInfoHandler(q),
    'room.members': roomMembersHandler(q),
    'user.list': userListHandler(q),
  };
}
