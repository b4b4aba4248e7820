-- Full-text search (chat.search). Raw SQL: an FTS5 table and triggers cannot be written in the
-- Prisma schema. "MessageSearch" is an external-content FTS5 index over "Message"."text", keyed by
-- the message's rowid; it holds only the index, not a second copy of the text. The triggers keep it
-- in step whatever writes the table (Prisma, chat-store's raw batch SQL, a migration): a message is
-- indexed while it is not deleted, by its current text, so an edit is found by its new words only
-- and a deleted message not at all. Tokenizer: unicode61 with remove_diacritics 2 (case- and
-- accent-insensitive, `café` = `cafe`); see docs/decisions.md "Search".
-- VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY: after a VACUUM, run
-- INSERT INTO "MessageSearch"("MessageSearch") VALUES ('rebuild');
CREATE VIRTUAL TABLE "MessageSearch" USING fts5(
    "text",
    content = 'Message',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Index what is already there.
INSERT INTO "MessageSearch" ("rowid", "text") SELECT "rowid", "text" FROM "Message" WHERE "deletedAt" IS NULL;

CREATE TRIGGER "Message_search_insert" AFTER INSERT ON "Message" WHEN new."deletedAt" IS NULL BEGIN
    INSERT INTO "MessageSearch" ("rowid", "text") VALUES (new."rowid", new."text");
END;

CREATE TRIGGER "Message_search_delete" AFTER DELETE ON "Message" WHEN old."deletedAt" IS NULL BEGIN
    INSERT INTO "MessageSearch" ("MessageSearch", "rowid", "text") VALUES ('delete', old."rowid", old."text");
END;

CREATE TRIGGER "Message_search_update_old" AFTER UPDATE OF "text", "deletedAt" ON "Message" WHEN old."deletedAt" IS NULL BEGIN
    INSERT INTO "MessageSearch" ("MessageSearch", "rowid", "text") VALUES ('delete', old."rowid", old."text");
END;

CREATE TRIGGER "Message_search_update_new" AFTER UPDATE OF "text", "deletedAt" ON "Message" WHEN new."deletedAt" IS NULL BEGIN
    INSERT INTO "MessageSearch" ("rowid", "text") VALUES (new."rowid", new."text");
END;
