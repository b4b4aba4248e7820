import { randomUUID } from 'node:crypto';
import type { Database } from '@tidings/db';
import { REACTIONS } from '@tidings/protocol';

/**
 * Writes users, conversations, messages, likes and read markers straight through Prisma, the way
 * chat-store and likes store them, so the tests of a reading service do not depend on the
 * writing ones. Times start at `start` and go up one second per write, so "newest" is well
 * defined. Rooms get chat-store's ids (`room_<name>`), direct conversations `dm_<a>:<b>`.
 */
export class Seed {
  #clock: number;

  constructor(
    readonly db: Database,
    start = Date.UTC(2026, 0, 1),
  ) {
    this.#clock = start;
  }

  /** The Prisma client of the seeded database. */
  get prisma() {
    return this.db.prisma;
  }

  /** The next message time (ms), one second after the previous one. */
  tick(): number {
    this.#clock += 1000;
    return this.#clock;
  }

  /** The id of `username`, inserting the user (with an unusable password hash) if missing. */
  async userId(username: string): Promise<string> {
    const user = await this.prisma.user.upsert({
      where: { username },
      update: {},
      create: { id: randomUUID(), username, passwordHash: '!seeded-user-without-password' },
      select: { id: true },
    });
    return user.id;
  }

  /** A room (the default `general` exists already) with these members. */
  async room(name: string, members: string[] = []): Promise<string> {
    const room = await this.prisma.conversation.upsert({
      where: { name },
      update: {},
      create: { id: `room_${name}`, kind: 'room', name },
      select: { id: true },
    });
    for (const m of members) await this.join(room.id, m);
    return room.id;
  }

  /** Makes `username` a member of the conversation (joined now, by the seed's clock); idempotent. */
  async join(conversationId: string, username: string): Promise<void> {
    const userId = await this.userId(username);
    await this.prisma.membership.upsert({
      where: { conversationId_userId: { conversationId, userId } },
      update: {},
      create: { conversationId, userId, joinedAt: new Date(this.tick()) },
    });
  }

  /** The direct conversation between two users, both members. */
  async dm(a: string, b: string): Promise<string> {
    const dmKey = [a, b].sort().join(':');
    const conv = await this.prisma.conversation.upsert({
      where: { dmKey },
      update: {},
      create: { id: `dm_${dmKey}`, kind: 'dm', dmKey },
      select: { id: true },
    });
    await this.join(conv.id, a);
    await this.join(conv.id, b);
    return conv.id;
  }

  /** Stores messages from `sender` with the next sequence numbers; returns the first one. */
  async send(conversationId: string, sender: string, ...texts: string[]): Promise<number> {
    const senderId = await this.userId(sender);
    const conv = await this.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId }, select: { lastSeq: true } });
    const first = conv.lastSeq + 1;
    const data = texts.map((text, i) => ({
      id: randomUUID(),
      conversationId,
      seq: first + i,
      senderId,
      clientKey: randomUUID(),
      text,
      createdAt: new Date(this.tick()),
    }));
    const lastAt = data[data.length - 1]?.createdAt;
    await this.prisma.$transaction([
      this.prisma.message.createMany({ data }),
      this.prisma.conversation.update({ where: { id: conversationId }, data: { lastSeq: first + texts.length - 1 } }),
      this.prisma.user.update({ where: { id: senderId }, data: { lastMessageAt: lastAt ?? null } }),
    ]);
    return first;
  }

  /** `n` messages `<prefix> 1` … `<prefix> n`. */
  sendMany(conversationId: string, sender: string, n: number, prefix = 'message'): Promise<number> {
    return this.send(conversationId, sender, ...Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`));
  }

  /** `username` likes message `seq`: the ❤️ reaction (see {@link react}). */
  like(conversationId: string, seq: number, username: string): Promise<void> {
    return this.react(conversationId, seq, username, '❤️');
  }

  /**
   * `username` reacts to message `seq` with `emoji` (any text: a test may store one the protocol
   * refuses): the Reaction row, then the message's summary (likeCount = every reaction, reactions =
   * the wire's `rx` in the order of the protocol's set), in one transaction.
   */
  async react(conversationId: string, seq: number, username: string, emoji: string): Promise<void> {
    const userId = await this.userId(username);
    const message = await this.prisma.message.findUniqueOrThrow({ where: { conversationId_seq: { conversationId, seq } } });
    await this.prisma.$transaction(async (tx) => {
      await tx.reaction.create({ data: { messageId: message.id, userId, emoji } });
      const groups = await tx.reaction.groupBy({ by: ['emoji'], where: { messageId: message.id }, _count: { _all: true } });
      const counts = new Map(groups.map((g) => [g.emoji, g._count._all]));
      const rx = Object.fromEntries(REACTIONS.filter((r) => counts.has(r)).map((r) => [r, counts.get(r)!]));
      const total = groups.reduce((a, g) => a + g._count._all, 0);
      await tx.message.update({
        where: { id: message.id },
        data: { likeCount: total, reactions: Object.keys(rx).length === 0 ? null : JSON.stringify(rx) },
      });
    });
  }

  /** Replaces a message's text; returns the edit time (ms). */
  async edit(conversationId: string, seq: number, text: string): Promise<number> {
    const at = this.tick();
    await this.prisma.message.update({ where: { conversationId_seq: { conversationId, seq } }, data: { text, editedAt: new Date(at) } });
    return at;
  }

  /** Deletes like chat-store does: the row stays as a tombstone. */
  async remove(conversationId: string, seq: number): Promise<void> {
    await this.prisma.message.update({ where: { conversationId_seq: { conversationId, seq } }, data: { deletedAt: new Date(this.tick()) } });
  }

  /** Moves `username`'s read marker in the conversation to `seq`. */
  async read(conversationId: string, username: string, seq: number): Promise<void> {
    const userId = await this.userId(username);
    await this.prisma.membership.update({ where: { conversationId_userId: { conversationId, userId } }, data: { lastReadSeq: seq } });
  }

  /** Row counts of every table a service could write, to prove bad input changed nothing. */
  async counts(): Promise<Record<string, number>> {
    const p = this.prisma;
    const [users, conversations, memberships, messages, reactions, likeSum, seqSum] = await Promise.all([
      p.user.count(),
      p.conversation.count(),
      p.membership.count(),
      p.message.count(),
      p.reaction.count(),
      p.message.aggregate({ _sum: { likeCount: true } }),
      p.conversation.aggregate({ _sum: { lastSeq: true } }),
    ]);
    return {
      users,
      conversations,
      memberships,
      messages,
      reactions,
      likeCount: likeSum._sum.likeCount ?? 0,
      lastSeq: seqSum._sum.lastSeq ?? 0,
    };
  }
}
