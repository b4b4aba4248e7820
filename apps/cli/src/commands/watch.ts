import { createHash } from 'node:crypto';
import { UsageError, defineCommand } from '../command.js';
import { conversationArg, conversationOf, limitOf, limitOption } from '../chat/args.js';
import { watchPrinter } from '../chat/watch-output.js';
import { requireSession, withSession } from '../broker.js';
import { clockOf } from './chat-common.js';

/** The page printed first, unless --limit says otherwise. */
export const WATCH_PAGE = 20;

/**
 * The device a watch connects as: its own client id per conversation, derived from this
 * machine's device, so `tidings send` in another terminal (the machine's own client id) never
 * takes the watch's connection over, and the watch's persistent session (events queued while
 * its link is down) is the same every time this conversation is watched from here.
 */
export function watchDevice(device: string, c: string): string {
  const tag = createHash('sha256').update(c).digest('base64url').slice(0, 6);
  return `${device.slice(0, 31)}-w${tag}`;
}

/** How long (s) someone's coming online or going offline must last before watch shows it. */
export const PRESENCE_DELAY_S = 3;

/** `TIDINGS_WATCH_PRESENCE_DELAY`: seconds, 0 (show at once) to 3600; default 3. */
export function presenceDelayOf(env: Record<string, string | undefined>): number {
  const raw = env.TIDINGS_WATCH_PRESENCE_DELAY;
  if (raw === undefined || raw.trim() === '') return PRESENCE_DELAY_S * 1000;
  const n = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 0) || n > 3600) throw new UsageError(`TIDINGS_WATCH_PRESENCE_DELAY takes a number of seconds from 0 to 3600: ${raw}`);
  return Math.round(n * 1000);
}

/** `--for <seconds>`: a positive number (decimals allowed). */
export function secondsOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(n > 0) || n > 31_536_000) throw new UsageError(`--for takes a number of seconds above 0: ${value}`);
  return n;
}

export default defineCommand({
  name: 'watch',
  summary: 'Follow a conversation live (messages, edits, reactions, typing, presence)',
  description:
    'Prints the newest messages, then everything that happens, until Ctrl-C (or SIGTERM, or\n' +
    '--for); then exits 0. Messages are printed as history prints them, each once and in order;\n' +
    'an edited, deleted or liked message is printed again as it now is. Typing, people coming\n' +
    'online or going offline (those who wrote, joined or typed here), joins, someone mentioning you\n' +
    'in another conversation (`bob mentioned you in ops#12`), your being removed from the room\n' +
    '(`you are no longer in club`) and the state of the link go to stderr. Presence shows once the\n' +
    'change has lasted 3 s (TIDINGS_WATCH_PRESENCE_DELAY, in seconds), so a quick command of theirs\n' +
    'shows nothing; --no-presence hides it. When the link drops the watch reconnects by itself and\n' +
    'fetches what it missed. A public room can be watched without joining it. With --json, stdout gets one JSON object per line per event ({"type":"message",…},\n' +
    '"edit", "delete", "like", "typing", "join", "leave", "presence", "mention", "membership", "connection", "ready"),\n' +
    'then the usual {"ok":true,…} line when it ends.',
  args: [conversationArg],
  options: {
    limit: limitOption('Print at most n messages first', WATCH_PAGE),
    for: { type: 'string', value: 'seconds', help: 'Stop after this many seconds of watching' },
    'no-presence': { type: 'boolean', help: 'Do not show people coming online or going offline' },
  },
  async run(ctx) {
    const c = conversationOf(ctx.args.conversation!);
    const limit = limitOf(ctx.options.limit) ?? WATCH_PAGE;
    const seconds = secondsOf(ctx.options.for);
    const presenceDelayMs = presenceDelayOf(ctx.io.env);
    const presence = ctx.options['no-presence'] !== true;
    const { watchConversation } = await import('../chat/watch.js');
    const emit = watchPrinter(ctx.io, ctx.json, () => clockOf(ctx.io));
    const session = await requireSession(ctx);
    const summary = await withSession(
      ctx,
      session,
      (conn) =>
        watchConversation(conn, {
          c,
          me: session.username,
          limit,
          emit,
          notice: (text) => void ctx.io.stderr.write(`${text}\n`),
          signals: ctx.io.signals ?? process,
          presenceDelayMs,
          presence,
          ...(seconds !== undefined ? { forMs: seconds * 1000 } : {}),
        }),
      { device: watchDevice(session.device, c) },
    );
    return { text: null, data: { ...summary } };
  },
});
