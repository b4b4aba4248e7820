import { readFileSync } from 'node:fs';
import { isNotConfirmed } from '@tidings/client';
import { TidingsError } from '@tidings/protocol';
import { commandHelp, generalHelp, parseCommandLine } from './args.js';
import { checkBrokerUrl } from './broker.js';
import { Interrupted, UsageError, type Context, type Io } from './command.js';
import { commands } from './commands/index.js';
import { createPrompter, type Prompter } from './prompt.js';
import { CliHome, cliHomeDir } from './session-store.js';
import { programOf, setProgram } from './invocation.js';
import { INSECURE_WARNING, tlsSettingsOf } from './tls.js';
import { envSchema, settingsProblem, settingsReadBy } from '@tidings/service-kit/settings';

export const DEFAULT_URL = 'mqtt://localhost:1883';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Not confirmed yet (sysexits' EX_TEMPFAIL): a message may still arrive; running the command again is safe. */
export const EXIT_NOT_CONFIRMED = 75;
export const EXIT_INTERRUPTED = 130;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** True when `--json` appears before any `--`, so even a command line that fails to parse answers in JSON. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

interface Failure {
  status: number;
  code: string;
  message: string;
  retryAfter?: number;
}

function describe(err: unknown): Failure {
  if (err instanceof UsageError) return { status: EXIT_USAGE, code: 'USAGE', message: err.message };
  if (err instanceof Interrupted) return { status: EXIT_INTERRUPTED, code: 'INTERRUPTED', message: err.message };
  if (isNotConfirmed(err)) return { status: EXIT_NOT_CONFIRMED, code: 'NOT_CONFIRMED', message: err.message };
  if (err instanceof TidingsError) {
    const failure: Failure = { status: EXIT_FAILED, code: err.code, message: err.message };
    if (err.retryAfter !== undefined) failure.retryAfter = err.retryAfter;
    return failure;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: EXIT_FAILED, code: 'INTERNAL', message };
}

/** Every CLI setting of the environment (README's table, service-kit's settings), checked before a command runs: one line naming each bad one. */
function checkSettings(env: Io['env']): void {
  const result = envSchema(...settingsReadBy('cli')).safeParse(env);
  if (!result.success) throw new UsageError(settingsProblem(result.error.issues, env));
}

/**
 * Runs one `tidings` command line and resolves with the exit status. Streams and environment
 * are injected, so tests run the CLI in-process exactly as the binary does.
 *
 * stdout gets the result (text, or one JSON object with --json); stderr gets prompts and, on
 * failure, one line `tidings: <reason>`.
 */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let json = wantsJson(argv);
  const prompters: Prompter[] = [];
  setProgram(programOf(io.env));
  try {
    const parsed = parseCommandLine(argv, commands);
    if (parsed.kind === 'help') {
      io.stdout.write(parsed.command ? commandHelp(parsed.command) : generalHelp(commands));
      return EXIT_OK;
    }
    if (parsed.kind === 'version') {
      io.stdout.write(json ? `${JSON.stringify({ ok: true, data: { version: version() } })}\n` : `tidings ${version()}\n`);
      return EXIT_OK;
    }
    json = parsed.global.json === true;
    checkSettings(io.env);
    const urlGiven = parsed.global.url !== undefined;
    const url = urlGiven ? checkBrokerUrl(parsed.global.url!, '--url') : io.env.TIDINGS_URL ? checkBrokerUrl(io.env.TIDINGS_URL, 'TIDINGS_URL') : DEFAULT_URL;
    const tls = tlsSettingsOf(parsed.global, io.env);
    if (tls.insecure) io.stderr.write(`${INSECURE_WARNING}\n`);
    const ctx: Context<Record<string, string | boolean | undefined>> = {
      io,
      args: parsed.args,
      options: parsed.options,
      json,
      url,
      urlGiven,
      home: new CliHome(cliHomeDir(io.env)),
      tls,
      prompter: (options) => {
        const prompter = createPrompter(io, options);
        prompters.push(prompter);
        return prompter;
      },
    };
    const outcome = await parsed.command.run(ctx);
    if (json) io.stdout.write(`${JSON.stringify({ ok: true, data: outcome.data })}\n`);
    else if (outcome.text !== null) io.stdout.write(`${outcome.text}\n`);
    return EXIT_OK;
  } catch (err) {
    const failure = describe(err);
    const message = oneLine(failure.message);
    io.stderr.write(`tidings: ${message}\n`);
    if (json) {
      const error: Record<string, unknown> = { code: failure.code, message };
      if (failure.retryAfter !== undefined) error.retryAfter = failure.retryAfter;
      io.stdout.write(`${JSON.stringify({ ok: false, error })}\n`);
    }
    return failure.status;
  } finally {
    for (const prompter of prompters) prompter.close();
  }
}
