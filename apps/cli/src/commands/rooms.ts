import { defineCommand } from '../command.js';
import { formatRooms, type RoomRow } from '../chat/format.js';
import { signedIn } from './chat-common.js';

export default defineCommand({
  name: 'rooms',
  summary: 'List the rooms (* = yours, with your unread counts)',
  async run(ctx) {
    const [list, mine] = await signedIn(ctx, (conn) => Promise.all([conn.request('room.list', {}), conn.request('chat.conversations', {})]));
    const unread = new Map(mine.conversations.filter((c) => c.kind === 'room').map((c) => [c.c, c.unread]));
    const rooms: RoomRow[] = list.rooms.map((r) => (r.joined ? { ...r, unread: unread.get(r.name) ?? 0 } : { ...r }));
    return { text: formatRooms(rooms), data: { rooms } };
  },
});
