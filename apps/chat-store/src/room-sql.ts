import type { Provider } from '@tidings/db';
import type { Role } from '@tidings/protocol';
import { Params, type Statement } from './batch-sql.js';

/**
 * The changes of room actions, as statements the writer runs in the transaction that stores the
 * action's history entry (see SendInput.effects): the change and the entry commit together.
 * Spelled for both providers, like the batch statements.
 */
export class RoomStatements {
  constructor(readonly provider: Provider) {}

  /** Adds a member (nothing when they are one already). */
  addMember(conversationId: string, userId: string, role: Role, joinedAt: Date, lastReadSeq: number): Statement {
    const p = new Params(this.provider);
    return {
      sql: `INSERT INTO "Membership" ("conversationId", "userId", "joinedAt", "lastReadSeq", "role") VALUES (${p.add(conversationId)}, ${p.add(userId)}, ${p.time(joinedAt)}, ${p.int(lastReadSeq)}, ${p.add(role)}) ON CONFLICT DO NOTHING`,
      values: p.values,
    };
  }

  removeMember(conversationId: string, userId: string): Statement {
    const p = new Params(this.provider);
    return { sql: `DELETE FROM "Membership" WHERE "conversationId" = ${p.add(conversationId)} AND "userId" = ${p.add(userId)}`, values: p.values };
  }

  setRole(conversationId: string, userId: string, role: Role): Statement {
    const p = new Params(this.provider);
    return {
      sql: `UPDATE "Membership" SET "role" = ${p.add(role)} WHERE "conversationId" = ${p.add(conversationId)} AND "userId" = ${p.add(userId)}`,
      values: p.values,
    };
  }

  /** A ban (until null) or a mute, replacing the one there was. */
  sanction(conversationId: string, userId: string, kind: 'ban' | 'mute', until: Date | null, byId: string, at: Date): Statement {
    // Parameters in the order they appear: SQLite's `?` are positional.
    const p = new Params(this.provider);
    return {
      sql:
        `INSERT INTO "RoomSanction" ("conversationId", "userId", "kind", "until", "byId", "at") VALUES (${p.add(conversationId)}, ${p.add(userId)}, ${p.add(kind)}, ${until === null ? 'NULL' : p.time(until)}, ${p.add(byId)}, ${p.time(at)}) ` +
        `ON CONFLICT ("conversationId", "userId", "kind") DO UPDATE SET "until" = excluded."until", "byId" = excluded."byId", "at" = excluded."at"`,
      values: p.values,
    };
  }

  lift(conversationId: string, userId: string, kind: 'ban' | 'mute'): Statement {
    const p = new Params(this.provider);
    return {
      sql: `DELETE FROM "RoomSanction" WHERE "conversationId" = ${p.add(conversationId)} AND "userId" = ${p.add(userId)} AND "kind" = ${p.add(kind)}`,
      values: p.values,
    };
  }

  setTopic(conversationId: string, topic: string | null): Statement {
    const p = new Params(this.provider);
    return { sql: `UPDATE "Conversation" SET "topic" = ${p.add(topic)} WHERE "id" = ${p.add(conversationId)}`, values: p.values };
  }

  /** A moderator removes a message: the tombstone of a delete, plus who removed it. */
  removeMessage(messageId: string, removedById: string, at: Date): Statement {
    const p = new Params(this.provider);
    return {
      sql: `UPDATE "Message" SET "text" = '', "deletedAt" = ${p.time(at)}, "removedById" = ${p.add(removedById)} WHERE "id" = ${p.add(messageId)} AND "deletedAt" IS NULL`,
      values: p.values,
    };
  }
}
