import { createInterface } from 'node:readline';
import type { Connection } from '@tidings/client';
import { NotConfirmedError, isNotConfirmed } from '@tidings/client';
import { TidingsError, formatMessageRef } from '@tidings/protocol';
import { UsageError, defineCommand, type Context, type OptionSpec } from '../command.js';
import { checkText, conversationArg, conversationOf, messageTextOf, textArg } from '../chat/args.js';
import { DEFAULT_SEND_WAIT_S, sendMessage, type Sent } from '../chat/send.js';
import { linkOf } from '../broker.js';
import { signedIn } from './chat-common.js';
import { tidings } from '../invocation.js';

export const stdinOption = {
  type: 'boolean',
  help: 'Send each line of standard input as a message (blank lines are skipped)',
} as const satisfies OptionSpec;

export const waitOption = {
  type: 'string',
  value: 'seconds',
  help: `How long to wait for each message's ack before saying it is not confirmed yet (default ${DEFAULT_SEND_WAIT_S})`,
} as const satisfies OptionSpec;

/** Messages of `--stdin` on their way at once: reading stops while this many wait for their ack. */
export const STDIN_WINDOW = 32;

export const SEND_DESCRIPTION =
  'The text is the rest of the command line, joined by spaces (put -- before text that starts\n' +
  'with -). With --stdin, every non-blank line of standard input is one message, sent as it\n' +
  `arrives without waiting for the previous ack (at most ${STDIN_WINDOW} on their way), stored in\n` +
  'order, each printed as acked (so `tail -f log | tidings send ops --stdin` works).\n' +
  'A dropped link is taken up again at once and every message not yet acked is sent again with\n' +
  'the same id: the service stores it once however many copies reach it. Over the rate limit\n' +
  `or while a service is busy, it waits and retries. After --wait seconds (default ${DEFAULT_SEND_WAIT_S}) without\n` +
  'an ack it stops with exit status 75 and "not confirmed yet": the message may still arrive,\n' +
  'never twice.';

type SendOptions = { stdin?: boolean | undefined; wait?: string | undefined };

function waitMsOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_SEND_WAIT_S * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) throw new UsageError(`--wait takes a number of seconds (at most 86400): ${raw}`);
  return Math.round(seconds * 1000);
}

/** `send` and `dm`: one message from the command line, or one per line of standard input. */
export async function runSend(
  ctx: Context<SendOptions>,
  command: string,
  c: string,
  rawText: string | undefined,
): Promise<{ text: string | null; data: Record<string, unknown> }> {
  const fromStdin = ctx.options.stdin === true;
  if (fromStdin && rawText !== undefined) throw new UsageError(`give the text or --stdin, not both (see ${tidings()} ${command} --help)`);
  const waitMs = waitMsOf(ctx.options.wait);
  const onRetry = (reason: string) => void ctx.io.stderr.write(`${reason}\n`);
  // Reaching the broker counts against the same wait: a message is not confirmed until acked.
  const link = { ...linkOf(ctx), connectTimeoutMs: waitMs };
  if (!fromStdin) {
    const text = messageTextOf(rawText, command);
    const sent = await notSentIfUnreachable(signedIn(ctx, (conn) => sendMessage(conn, c, text, { onRetry, waitMs }), { link }));
    return { text: `sent ${formatMessageRef(c, sent.s)}`, data: { c, ...sent } };
  }
  const sent = await notSentIfUnreachable(signedIn(ctx, (conn) => sendLines(conn, ctx, c, waitMs, onRetry), { link }));
  return { text: null, data: { c, messages: sent } };
}

/** The broker could not be reached within the wait: nothing left this machine — "not sent", exit 75 like any unconfirmed send. */
async function notSentIfUnreachable<T>(sending: Promise<T>): Promise<T> {
  try {
    return await sending;
  } catch (err) {
    if (err instanceof TidingsError && err.code === 'UNAVAILABLE' && !isNotConfirmed(err)) throw new NotConfirmedError(`not sent: ${err.message}`, false);
    throw err;
  }
}

/**
 * Sends the lines as they come, without waiting for each ack (on a 2 s round-trip link one at a
 * time would be one message per round trip), and reports the acks in line order. The service
 * stores them in the order they reach it, which is the order they were sent: one connection,
 * and copies after a reconnect go out oldest first.
 */
async function sendLines(conn: Connection, ctx: Context<unknown>, c: string, waitMs: number, onRetry: (reason: string) => void): Promise<Sent[]> {
  const sent: Sent[] = [];
  const notConfirmed: { line: number; error: NotConfirmedError }[] = [];
  let refused: { line: number; error: Error } | undefined;
  // On their way, in line order; the oldest is reported as soon as it settles.
  const queue: { line: number; done: Promise<Sent | Error> }[] = [];
  let reporting: Promise<void> | undefined;
  let space: (() => void) | undefined;
  const report = async () => {
    while (queue.length > 0) {
      const outcome = await queue[0]!.done;
      const { line } = queue.shift()!;
      space?.();
      if (!(outcome instanceof Error)) {
        sent.push(outcome);
        if (!ctx.json) ctx.io.stdout.write(`sent ${formatMessageRef(c, outcome.s)}\n`);
      } else if (isNotConfirmed(outcome)) notConfirmed.push({ line, error: outcome });
      else refused ??= { line, error: outcome };
    }
    reporting = undefined;
  };
  const lines = createInterface({ input: ctx.io.stdin, crlfDelay: Infinity, terminal: false });
  try {
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      try {
        checkText(line);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new TidingsError('BAD_REQUEST', `line ${n} was not sent: ${reason} (${sent.length + queue.length} sent before it)`);
      }
      const done = sendMessage(conn, c, line, { onRetry, waitMs }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      queue.push({ line: n, done });
      reporting ??= report();
      while (queue.length >= STDIN_WINDOW) await new Promise<void>((resolve) => (space = resolve));
      if (refused) break;
    }
    while (reporting) await reporting;
  } finally {
    lines.close();
  }
  if (refused) throw refusedLine(refused.line, refused.error, sent.length);
  if (notConfirmed.length > 0) {
    const which = notConfirmed.map((u) => u.line).join(', ');
    throw new NotConfirmedError(
      `${notConfirmed.length} message${notConfirmed.length === 1 ? '' : 's'} not confirmed yet (line ${which}; ${sent.length} acked): ${notConfirmed[0]!.error.message}`,
      notConfirmed.some((u) => u.error.sent),
    );
  }
  if (sent.length === 0) throw new TidingsError('BAD_REQUEST', 'standard input held no message to send');
  return sent;
}

function refusedLine(line: number, err: Error, acked: number): Error {
  if (!(err instanceof TidingsError)) return err;
  return new TidingsError(
    err.code,
    `line ${line} was refused: ${err.message} (${acked} acked before it)`,
    err.retryAfter === undefined ? {} : { retryAfter: err.retryAfter },
  );
}

export default defineCommand({
  name: 'send',
  summary: 'Send a message to a room or to @user',
  description: SEND_DESCRIPTION,
  args: [conversationArg, { ...textArg, optional: true }],
  options: { stdin: stdinOption, wait: waitOption },
  async run(ctx) {
    const c = conversationOf(ctx.args.conversation!);
    return runSend(ctx, 'send', c, ctx.args.text);
  },
});
