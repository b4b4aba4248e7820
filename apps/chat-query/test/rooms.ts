import { randomUUID } from 'node:crypto';
import type { Role, RoomEvent } from '@tidings/protocol';
import type { Seed } from '@tidings/testkit';

/**
 * Rows of "rooms people can run" written straight through Prisma, the way chat-store stores
 * them (roles, private rooms, sanctions, room events, removals, mentions), so these tests do not
 * depend on the writer.
 */
export class RoomSeed {
  constructor(readonly seed: Seed) {}

  get prisma() {
    return this.seed.prisma;
  }

  /** A room with these members; `private` and `topic` as given (members get the role `member`). */
  async room(name: string, members: string[], options: { private?: boolean; topic?: string } = {}): Promise<string> {
    const id = await this.seed.room(name, members);
    await this.prisma.conversation.update({ where: { id }, data: { private: options.private ?? false, topic: options.topic ?? null } });
    return id;
  }

  async role(conversationId: string, username: string, role: Role): Promise<void> {
    const userId = await this.seed.userId(username);
    await this.prisma.membership.update({ where: { conversationId_userId: { conversationId, userId } }, data: { role } });
  }

  /** Removes the membership, as chat-store does on leave, kick and ban. */
  async drop(conversationId: string, username: string): Promise<void> {
    const userId = await this.seed.userId(username);
    await this.prisma.membership.delete({ where: { conversationId_userId: { conversationId, userId } } });
  }

  /** A ban (membership removed) of `username` by `by`. */
  async ban(conversationId: string, username: string, by: string, at = this.seed.tick()): Promise<void> {
    const [userId, byId] = [await this.seed.userId(username), await this.seed.userId(by)];
    await this.prisma.membership.deleteMany({ where: { conversationId, userId } });
    await this.prisma.roomSanction.create({ data: { conversationId, userId, kind: 'ban', until: null, byId, at: new Date(at) } });
  }

  async mute(conversationId: string, username: string, by: string, until: number): Promise<void> {
    const [userId, byId] = [await this.seed.userId(username), await this.seed.userId(by)];
    await this.prisma.roomSanction.create({ data: { conversationId, userId, kind: 'mute', until: new Date(until), byId, at: new Date(this.seed.tick()) } });
  }

  /** A room event by `by` in history: a message row with empty text and Message.event; returns its seq. */
  async event(conversationId: string, by: string, event: RoomEvent | string): Promise<number> {
    const seq = await this.seed.send(conversationId, by, '');
    await this.prisma.message.update({
      where: { conversationId_seq: { conversationId, seq } },
      data: { event: typeof event === 'string' ? event : JSON.stringify(event) },
    });
    return seq;
  }

  /** A moderator's removal: the tombstone with removedById. */
  async removeBy(conversationId: string, seq: number, by: string): Promise<void> {
    const byId = await this.seed.userId(by);
    await this.prisma.message.update({
      where: { conversationId_seq: { conversationId, seq } },
      data: { deletedAt: new Date(this.seed.tick()), removedById: byId },
    });
  }

  /** Sends `text` from `sender` mentioning these users (the Mention rows chat-store writes); returns its seq. */
  async mention(conversationId: string, sender: string, text: string, mentioned: string[]): Promise<number> {
    const seq = await this.seed.send(conversationId, sender, text);
    const message = await this.prisma.message.findUniqueOrThrow({ where: { conversationId_seq: { conversationId, seq } }, select: { id: true } });
    for (const u of mentioned) {
      await this.prisma.mention.create({ data: { messageId: message.id, userId: await this.seed.userId(u), conversationId, seq } });
    }
    return seq;
  }

  /** A unique text, to look for in replies. */
  static secret(): string {
    return `secret${randomUUID().slice(0, 8)}`;
  }
}
