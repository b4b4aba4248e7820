-- Full-text search (chat.search). Raw SQL, not in the Prisma schema (which is shared with SQLite and
-- has no tsvector type): a generated column with the message's words and a GIN index over it.
-- PostgreSQL keeps the column in step on every insert and update, whatever writes the row, so an
-- edit is found by its new words only; chat.search also leaves out deleted messages (whose text is
-- blanked). The 'simple' configuration: lower-cased words, no stemming and no stop words, for any
-- language (see docs/decisions.md "Search"). Prisma never selects the column: it does not know it.
ALTER TABLE "Message" ADD COLUMN "searchVector" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "text")) STORED;

CREATE INDEX "Message_searchVector_idx" ON "Message" USING GIN ("searchVector");
