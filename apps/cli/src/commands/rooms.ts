import { readAllPages } from '@tidings/client';
import { defineCommand } from '../command.js';
import { formatRooms, type RoomRow } from '../chat/format.js';
import { signedIn } from './chat-common.js';

export default defineCommand({
  name: 'rooms',
  summary: 'List the rooms (* = yours, with your unread counts and mentions)',
  description:
    'One line per room: `*` when you are in it, its members, `private` for an invite-only room (listed\n' +
    'only to its members), and for your rooms the unread messages and how many of them mention you.',
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
        .map((c) => [c.c, { unread: c.unread, mentions: c.mentions ?? 0 }]),
    );
    const rooms: RoomRow[] = roomPages.flatMap((p) => p.rooms).map((r) => (r.joined ? { ...r, unread: 0, mentions: 0, ...unread.get(r.name) } : { ...r }));
    return { text: formatRooms(rooms), data: { rooms } };
  },
});
