import { readAllPages } from '@tidings/client';
import { defineCommand } from '../command.js';
import { formatRooms, type RoomRow } from '../chat/format.js';
import { signedIn } from './chat-common.js';

export default defineCommand({
  name: 'rooms',
  summary: 'List the rooms (* = yours, with your unread counts)',
  async run(ctx) {
    // Every page of both lists (500 rooms, or 56 KiB of conversations, at a time).
    const [roomPages, minePages] = await signedIn(ctx, (conn) =>
      Promise.all([
        readAllPages((after) => conn.request('room.list', after === undefined ? {} : { after })),
        readAllPages((after) => conn.request('chat.conversations', after === undefined ? {} : { after })),
      ]),
    );
    const unread = new Map(
      minePages
        .flatMap((p) => p.conversations)
        .filter((c) => c.kind === 'room')
        .map((c) => [c.c, c.unread]),
    );
    const rooms: RoomRow[] = roomPages.flatMap((p) => p.rooms).map((r) => (r.joined ? { ...r, unread: unread.get(r.name) ?? 0 } : { ...r }));
    return { text: formatRooms(rooms), data: { rooms } };
  },
});
