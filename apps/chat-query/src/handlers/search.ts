import { PAGE_BYTES, SEARCH_LIMIT_DEFAULT, TidingsError, formatMessageRef, searchProblem, searchWords, type SearchHit } from '@tidings/protocol';
import { callerUsername, type Handler } from '@tidings/service-kit';
import { findConversation, otherOf, type QueryContext } from '../context.js';
import { fillPage, jsonBytesOf } from '../paging.js';
import type { SearchRow } from '../reads.js';

/**
 * chat.search (user): full-text search over what the caller may read — the rooms they are a
 * member of and their direct conversations — newest first, a page at a time.
 *
 * The query is plain words (protocol searchWords: runs of letters, digits and marks; the rest only
 * separates them); every word must appear in a hit, as a word or the start of one, case and
 * accents ignored on SQLite (FTS5, unicode61 remove_diacritics 2), case ignored on PostgreSQL
 * (tsvector 'simple'). Deleted messages are never found; edited ones by their current text only
 * (the index follows the Message table: triggers on SQLite, a generated column on PostgreSQL).
 *
 * `c` narrows the search to one conversation: a room the caller is in (another public room is
 * FORBIDDEN; an unknown one, or a private one the caller is not in, NOT_FOUND) or `@user`.
 * Room events are never hits (search-sql.ts). Each hit carries its conversation as the caller
 * names it and its reference (`general#12`, `@bob#3`) to open history around it. A page holds at
 * most `limit` hits and PAGE_BYTES of them; `next` is the cursor of the page after it (`before`).
 */
export function searchHandler(q: QueryContext): Handler<'chat.search'> {
  return async (request, ctx) => {
    const caller = callerUsername(ctx);
    const problem = searchProblem(request.q);
    if (problem) throw new TidingsError('BAD_REQUEST', problem);
    const limit = request.limit ?? SEARCH_LIMIT_DEFAULT;

    let conversationId: string | undefined;
    if (request.c !== undefined) {
      const conversation = await findConversation(q.reads, caller, request.c);
      if (!conversation) return { hits: [], more: false };
      if (!request.c.startsWith('@') && !conversation.member && !(await q.reads.isMember(conversation.id, caller))) {
        throw new TidingsError('FORBIDDEN', `you are not in room ${request.c}: join it to search it`);
      }
      conversationId = conversation.id;
    }

    const rows = await q.reads.search({ caller, words: searchWords(request.q), conversationId, before: request.before, take: limit + 1 });
    const hits = rows.map((row) => ({ row, hit: hitOf(row, caller) }));
    const { page, more } = fillPage(hits, limit, PAGE_BYTES, (h) => jsonBytesOf(h.hit));
    const last = page[page.length - 1];
    return more && last ? { hits: page.map((h) => h.hit), more, next: last.row.cursor } : { hits: page.map((h) => h.hit), more: false };
  };
}

function hitOf(row: SearchRow, caller: string): SearchHit {
  const c = row.kind === 'dm' ? `@${otherOf(row.dmKey ?? '', caller)}` : (row.name ?? '');
  const hit: SearchHit = { c, r: formatMessageRef(c, row.seq), s: row.seq, u: row.username, x: row.text, at: row.createdAt };
  if (row.editedAt !== null) hit.ed = row.editedAt;
  return hit;
}
