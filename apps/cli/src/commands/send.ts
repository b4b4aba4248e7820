import { createInterface } from 'node:readline';
import type { Connection } from '@tidings/client';
import { TidingsError, formatMessageRef } from '@tidings/protocol';
import { UsageError, defineCommand, type Context, type OptionSpec } from '../command.js';
import { checkText, conversationArg, conversationOf, messageTextOf, textArg } from '../chat/args.js';
import { sendMessage, type Sent } from '../chat/send.js';
import { signedIn } from './chat-common.js';

export const stdinOption = {
  type: 'boolean',
  help: 'Send each line of standard input as a message (blank lines are skipped)',
} as const satisfies OptionSpec;

export const SEND_DESCRIPTION =
  'The text is the rest of the command line, joined by spaces (put -- before text that starts\n' +
  'with -). With --stdin, every non-blank line of standard input is one message, sent in order\n' +
  'as it arrives (so `tail -f log | tidings send ops --stdin` works); each is printed as acked.\n' +
  'A message with no ack within 10 s is sent again with the same id, at most 3 tries: the\n' +
  'service stores it once however many tries reach it. Over the rate limit, it waits and retries.';

/** `send` and `dm`: one message from the command line, or one per line of standard input. */
export async function runSend(
  ctx: Context<{ stdin?: boolean | undefined }>,
  command: string,
  c: string,
  rawText: string | undefined,
): Promise<{ text: string | null; data: Record<string, unknown> }> {
  const fromStdin = ctx.options.stdin === true;
  if (fromStdin && rawText !== undefined) throw new UsageError(`give the text or --stdin, not both (see tidings ${command} --help)`);
  const onRetry = (reason: string) => void ctx.io.stderr.write(`${reason}\n`);
  if (!fromStdin) {
    const text = messageTextOf(rawText, command);
    const sent = await signedIn(ctx, (conn) => sendMessage(conn, c, text, { onRetry }));
    return { text: `sent ${formatMessageRef(c, sent.s)}`, data: { c, ...sent } };
  }
  const sent = await signedIn(ctx, (conn) => sendLines(conn, ctx, c, onRetry));
  return { text: null, data: { c, messages: sent } };
}

async function sendLines(conn: Connection, ctx: Context<unknown>, c: string, onRetry: (reason: string) => void): Promise<Sent[]> {
  const sent: Sent[] = [];
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
        throw new TidingsError('BAD_REQUEST', `line ${n} was not sent: ${reason} (${sent.length} sent before it)`);
      }
      const one = await sendMessage(conn, c, line, { onRetry });
      sent.push(one);
      if (!ctx.json) ctx.io.stdout.write(`sent ${formatMessageRef(c, one.s)}\n`);
    }
  } finally {
    lines.close();
  }
  if (sent.length === 0) throw new TidingsError('BAD_REQUEST', 'standard input held no message to send');
  return sent;
}

export default defineCommand({
  name: 'send',
  summary: 'Send a message to a room or to @user',
  description: SEND_DESCRIPTION,
  args: [conversationArg, { ...textArg, optional: true }],
  options: { stdin: stdinOption },
  async run(ctx) {
    const c = conversationOf(ctx.args.conversation!);
    return runSend(ctx, 'send', c, ctx.args.text);
  },
});
