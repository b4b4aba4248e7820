import { SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SEARCH_QUERY_MAX, TidingsError, searchProblem, type SearchHit } from '@tidings/protocol';
import { UsageError, defineCommand } from '../command.js';
import { conversationOf, integerOption } from '../chat/args.js';
import { formatWhen, safeText, type Clock } from '../chat/format.js';
import { clockOf, signedIn } from './chat-common.js';
import { tidings } from '../invocation.js';

export default defineCommand({
  name: 'search',
  summary: 'Find messages by their words in your rooms and DMs, newest first',
  description:
    'One line per hit: `general#12  14:03  bob: text`, its reference first (`history general\n' +
    '--before 13` shows it and what came before). Every word must be in a message, as a word or the start of\n' +
    'one; case (and on SQLite accents) is ignored; quotes and other punctuation only separate\n' +
    `words. At most ${SEARCH_QUERY_MAX} characters. Only the rooms you are in and your own direct conversations\n` +
    'are searched. A last line says how to see older hits when there are more.',
  args: [{ name: 'words', rest: true }],
  options: {
    room: { type: 'string', value: 'room|@user', help: 'Only this conversation (a room you are in, or @user)' },
    limit: { type: 'string', value: 'n', help: `At most n hits (1–${SEARCH_LIMIT_MAX}, default ${SEARCH_LIMIT_DEFAULT})` },
    before: { type: 'string', value: 'cursor', help: 'Older hits: the cursor the previous page printed' },
  },
  async run(ctx) {
    const q = ctx.args.words ?? '';
    if (q.trim() === '') throw new UsageError(`search needs the words to look for (see ${tidings()} search --help)`);
    if (q.length > SEARCH_QUERY_MAX) throw new TidingsError('BAD_REQUEST', `q: at most ${SEARCH_QUERY_MAX} characters`);
    const problem = searchProblem(q);
    if (problem) throw new TidingsError('BAD_REQUEST', problem);
    const c = ctx.options.room === undefined ? undefined : conversationOf(ctx.options.room);
    const limit = integerOption(ctx.options.limit, '--limit', 1, SEARCH_LIMIT_MAX);
    const before = ctx.options.before === undefined ? undefined : ctx.options.before.trim();
    if (before === '') throw new UsageError('--before takes the cursor the previous page printed');
    const request = { q, ...(c !== undefined ? { c } : {}), ...(before !== undefined ? { before } : {}), ...(limit !== undefined ? { limit } : {}) };
    const page = await signedIn(ctx, (conn) => conn.request('chat.search', request));
    const lines: string[] = [];
    if (page.hits.length === 0) lines.push(before !== undefined ? 'no older hits' : 'no messages found');
    else lines.push(formatHits(page.hits, clockOf(ctx.io)));
    if (page.more && page.next !== undefined) {
      const room = c !== undefined ? ` --room ${c}` : '';
      const more = limit !== undefined ? ` --limit ${limit}` : '';
      lines.push(`… older: ${tidings()} search ${shellWord(q)}${room}${more} --before ${page.next}`);
    }
    return { text: lines.join('\n'), data: page };
  },
});

/** Hits as lines, `ref  when  sender: text (edited)`, the refs padded to the widest one; one line each. */
export function formatHits(hits: readonly SearchHit[], clock: Clock): string {
  const width = Math.max(0, ...hits.map((h) => h.r.length));
  return hits
    .map(
      (h) => `${h.r.padEnd(width)}  ${formatWhen(h.at, clock)}  ${h.u}: ${safeText(h.x.replace(/\s*\r?\n\s*/g, ' '))}${h.ed !== undefined ? ' (edited)' : ''}`,
    )
    .join('\n');
}

/** The words as one shell word: as they are when that is safe, else in single quotes. */
function shellWord(text: string): string {
  return /^[\p{L}\p{N}_.,@%+=:/-]+$/u.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
