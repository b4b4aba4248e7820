import { SECURITY_QUESTIONS, TidingsError, answerProblem, normalizeQuestion, questionProblem } from '@tidings/protocol';
import { requireSession, withSession } from '../broker.js';
import { UsageError, defineCommand } from '../command.js';
import { askSecret } from './recovery-common.js';
import { PROMPT_STDIN_FLAGS, answersFromStdin, formatTime, promptStdinOptions, requirePrompts } from './shared.js';
import { tidings } from '../invocation.js';

const LIST = SECURITY_QUESTIONS.map((q, i) => `  ${String(i + 1).padStart(2)}. ${q}`).join('\n');

/** A question as typed: a number picks one of the built-in list, anything else is your own. */
export function pickQuestion(typed: string): string {
  const trimmed = typed.trim();
  if (/^\d{1,2}$/.test(trimmed)) {
    const n = Number(trimmed);
    const q = SECURITY_QUESTIONS[n - 1];
    if (!q) throw new TidingsError('BAD_REQUEST', `pick a question from 1 to ${SECURITY_QUESTIONS.length}, or type your own`);
    return q;
  }
  const problem = questionProblem(trimmed);
  if (problem) throw new TidingsError('BAD_REQUEST', problem);
  return normalizeQuestion(trimmed);
}

export default defineCommand({
  name: 'security-question',
  summary: 'Show your security question, or set/replace it (set)',
  description:
    'Without an argument: shows your security question (never the answer) and how many recovery\n' +
    'codes you have left. With set: asks for the question (a number picks one of the list below,\n' +
    'or type your own, 10–200 characters), the answer (hidden, twice on a terminal; 3–200\n' +
    'characters, compared without regard to case or extra spaces) and your current password.\n\n' +
    `Questions:\n${LIST}`,
  args: [{ name: 'action', label: 'set', optional: true }],
  options: promptStdinOptions,
  promptsUsage: 'security-question set',
  prompts: ['(set only) the question: a number from the list below, or your own text', 'the answer', 'your current password'],
  async run(ctx) {
    const action = ctx.args.action;
    if (action !== undefined && action !== 'set' && action !== 'show') throw new UsageError(`security-question takes set or nothing, not "${action}"`);
    const session = await requireSession(ctx);
    if (action !== 'set') {
      const info = await withSession(ctx, session, (conn) => conn.request('security.get', {}));
      const text =
        info.question === null ? `no security question set (${tidings()} security-question set)` : `${info.question}\n(set ${formatTime(info.updatedAt ?? 0)})`;
      return { text: `${text}\nrecovery codes left: ${info.codesLeft}`, data: { username: session.username, ...info } };
    }

    const fromStdin = answersFromStdin(ctx.options);
    requirePrompts(ctx.io, fromStdin);
    const prompter = ctx.prompter({ fromStdin, flag: PROMPT_STDIN_FLAGS });
    if (!fromStdin) ctx.io.stderr.write(`Pick a question by its number, or type your own:\n${LIST}\n`);
    const question = pickQuestion(await prompter.line('question'));
    const answer = await askSecret(prompter, fromStdin, 'answer', true);
    const problem = answerProblem(answer);
    if (problem) throw new TidingsError('BAD_REQUEST', problem);
    const currentPassword = await prompter.secret('current password');
    const result = await withSession(ctx, session, (conn) => conn.request('security.set', { question, answer, currentPassword }));
    return {
      text: `security question ${result.replaced ? 'replaced' : 'set'}: ${result.question}`,
      data: { username: session.username, question: result.question, replaced: result.replaced },
    };
  },
});
