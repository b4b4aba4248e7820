import type { Database } from './index.js';

/**
 * An operator makes `username` the owner of a room (e.g. `general`, which nobody created, so
 * nobody owns): the owner there was, if any, becomes a moderator; the user joins the room if
 * they are not in it. A private room's owner must already be a member — adding someone to a
 * private room is an invitation, which only chat-store makes, since the brokers must hear of it.
 * Run it while chat-store runs or not: chat-store reads roles from the database for every room
 * action. Not recorded in the room's history (chat-store alone writes history).
 */
export async function setRoomOwner(db: Database, room: string, username: string, now = new Date()): Promise<{ previous: string | null; joined: boolean }> {
  return db.prisma.$transaction(async (tx) => {
    const conv = await tx.conversation.findUnique({ where: { name: room }, select: { id: true, kind: true, private: true, lastSeq: true } });
    if (!conv || conv.kind !== 'room') throw new Error(`there is no room named ${room}`);
    const user = await tx.user.findUnique({ where: { username }, select: { id: true } });
    if (!user) throw new Error(`there is no user named ${username}`);
    const member = await tx.membership.findUnique({ where: { conversationId_userId: { conversationId: conv.id, userId: user.id } }, select: { role: true } });
    if (!member && conv.private) throw new Error(`${username} is not in the private room ${room}: invite them first (tidings invite ${room} ${username})`);
    const owners = await tx.membership.findMany({
      where: { conversationId: conv.id, role: 'owner', userId: { not: user.id } },
      select: { user: { select: { username: true } } },
    });
    await tx.membership.updateMany({ where: { conversationId: conv.id, role: 'owner', userId: { not: user.id } }, data: { role: 'mod' } });
    if (member) {
      await tx.membership.update({ where: { conversationId_userId: { conversationId: conv.id, userId: user.id } }, data: { role: 'owner' } });
    } else {
      await tx.membership.create({ data: { conversationId: conv.id, userId: user.id, joinedAt: now, lastReadSeq: conv.lastSeq, role: 'owner' } });
    }
    return { previous: owners[0]?.user.username ?? null, joined: !member };
  });
}
