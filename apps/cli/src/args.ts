import { parseArgs } from 'node:util';
import { UsageError, type Command, type OptionSpec, type OptionSpecs } from './command.js';
import { tidings } from './invocation.js';

/** Options every command takes; they may also come before the command name. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string', value: 'url', help: 'Broker URL (default: $TIDINGS_URL, else mqtt://localhost:1883)' },
  ca: { type: 'string', value: 'file', help: "Trust the CA certificate(s) in this PEM file for the broker's TLS (default: $TIDINGS_CA)" },
  insecure: { type: 'boolean', help: "Do not check the broker's TLS certificate (testing only; warns every time)" },
  json: { type: 'boolean', help: 'Print one JSON object on stdout: {"ok":true,"data":…} or {"ok":false,"error":…}' },
  help: { type: 'boolean', short: 'h', help: 'Show help' },
  version: { type: 'boolean', short: 'V', help: 'Print the version' },
} as const satisfies OptionSpecs;

export type GlobalValues = { url?: string; ca?: string; insecure?: boolean; json?: boolean; help?: boolean; version?: boolean };

export type ParsedCommandLine =
  | { kind: 'help'; command: Command | undefined }
  | { kind: 'version' }
  | {
      kind: 'run';
      command: Command;
      global: GlobalValues;
      options: Record<string, string | boolean | undefined>;
      args: Record<string, string | undefined>;
    };

function toParseArgs(specs: OptionSpecs): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  return out;
}

/** Finds the long name of a global option token (`--url`, `--url=x`, `-h`), or undefined. */
function globalOption(token: string): { name: keyof typeof GLOBAL_OPTIONS; inlineValue: boolean } | undefined {
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    const name = token.slice(2, eq === -1 ? undefined : eq);
    if (Object.hasOwn(GLOBAL_OPTIONS, name)) return { name: name as keyof typeof GLOBAL_OPTIONS, inlineValue: eq !== -1 };
    return undefined;
  }
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS) as [keyof typeof GLOBAL_OPTIONS, OptionSpec][]) {
    if (spec.short !== undefined && token === `-${spec.short}`) return { name, inlineValue: false };
  }
  return undefined;
}

/** parseArgs' messages carry advice about `--`; keep the first sentence, in our words. */
function usageFrom(err: unknown): UsageError {
  const e = err as { code?: string; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
    const first = (e.message ?? '').split('. ')[0] ?? '';
    const sentence = first
      .replace(/'/g, '')
      .replace(/^Option/, 'option')
      .replace(/^Unknown/, 'unknown');
    return new UsageError(sentence);
  }
  return new UsageError(String(e.message ?? err));
}

/**
 * Splits `[global options] <command> [options and arguments]` with node:util parseArgs.
 * Global options may come before or after the command; a command's own options come after it.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): ParsedCommandLine {
  let index = -1;
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (!token.startsWith('-') || token === '-') {
      index = i;
      break;
    }
    const option = globalOption(token);
    if (!option) throw new UsageError(`unknown option ${token.split('=')[0]} before the command (see ${tidings()} --help)`);
    if (option.name === 'help') help = true;
    if (option.name === 'version') version = true;
    if (GLOBAL_OPTIONS[option.name].type === 'string' && !option.inlineValue) i++;
  }

  if (index === -1) {
    if (version && !help) return { kind: 'version' };
    if (help) return { kind: 'help', command: undefined };
    throw new UsageError(`missing command (see ${tidings()} --help)`);
  }

  const name = argv[index]!;
  if (name === 'help') {
    const topic = argv[index + 1];
    if (topic === undefined) return { kind: 'help', command: undefined };
    const command = commands.find((c) => c.name === topic);
    if (!command) throw new UsageError(`unknown command "${topic}" (see ${tidings()} --help)`);
    return { kind: 'help', command };
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (see ${tidings()} --help)`);

  const rest = [...argv.slice(0, index), ...argv.slice(index + 1)];
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: toParseArgs({ ...GLOBAL_OPTIONS, ...command.options }),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw usageFrom(err);
  }
  const { help: wantsHelp, version: wantsVersion, url, ca, insecure, json, ...options } = parsed.values;
  if (wantsHelp) return { kind: 'help', command };
  if (wantsVersion) return { kind: 'version' };

  const specs = command.args ?? [];
  const args: Record<string, string | undefined> = {};
  let taken = 0;
  specs.forEach((spec, i) => {
    const value = spec.rest && parsed.positionals.length > i ? parsed.positionals.slice(i).join(' ') : parsed.positionals[i];
    if (value === undefined && !spec.optional) {
      throw new UsageError(`${command.name} needs <${spec.label ?? spec.name}${spec.rest ? '…' : ''}> (see ${tidings()} ${command.name} --help)`);
    }
    args[spec.name] = value;
    taken = spec.rest ? parsed.positionals.length : i + 1;
  });
  const extra = parsed.positionals[Math.max(taken, specs.length)];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (see ${tidings()} ${command.name} --help)`);

  const global: GlobalValues = {};
  if (typeof url === 'string') global.url = url;
  if (json === true) global.json = true;
  if (typeof ca === 'string') global.ca = ca;
  if (insecure === true) global.insecure = true;
  return { kind: 'run', command, global, options: options as Record<string, string | boolean | undefined>, args };
}

function optionLines(specs: OptionSpecs): [string, string][] {
  return Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` <${spec.value ?? 'value'}>` : ''}`;
    return [flag, spec.help];
  });
}

function table(rows: [string, string][]): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
}

function synopsis(command: Command): string {
  const args = (command.args ?? []).map((a) => {
    const name = `${a.label ?? a.name}${a.rest ? '…' : ''}`;
    return a.optional ? `[${name}]` : `<${name}>`;
  });
  return [command.name, ...args].join(' ');
}

const FOOTER = `Environment:
  TIDINGS_URL       Broker URL when --url is not given
  TIDINGS_CA        PEM file of CA certificate(s) to trust when --ca is not given
                    (NODE_EXTRA_CA_CERTS works too)
  TIDINGS_INSECURE  1: the same as --insecure
  TIDINGS_CLI_HOME  Where the session is kept (default ~/.config/tidings)
  TZ                Time zone of the times printed (default: the system's)

Exit status: 0 done, 1 failed (reason on stderr), 2 usage error, 130 interrupted.`;

/** The commands that prompt, and the one way to answer them from a script. */
function promptsNote(commands: readonly Command[]): string {
  const names = commands.filter((c) => c.prompts && c.prompts.length > 0).map((c) => c.promptsUsage ?? c.name);
  return wrap(
    `Prompts: ${names.join(', ')} ask for passwords or answers on the terminal; with --stdin (or its twin --password-stdin) each reads them from standard input instead, one line per prompt, in the order its --help lists.`,
  );
}

function wrap(text: string, width = 96): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** `--stdin` of a command that prompts: which line of standard input answers which prompt. */
function promptLines(command: Command): string {
  if (!command.prompts || command.prompts.length === 0) return '';
  const lines = command.prompts.map((p, i) => `  ${i + 1}. ${p}`).join('\n');
  return `Standard input, with --stdin or --password-stdin: one line per prompt, in this order\n(nothing is asked twice):\n${lines}\n\n`;
}

/** `tidings --help`: every command in the table. */
export function generalHelp(commands: readonly Command[]): string {
  return `tidings — the Tidings chat client for the terminal

Usage: ${tidings()} <command> [options]

Commands:
${table(commands.map((c) => [synopsis(c), c.summary]))}

Options:
${table(optionLines(GLOBAL_OPTIONS))}

Run ${tidings()} <command> --help for a command's own options.

${promptsNote(commands)}

${FOOTER}
`;
}

/** `tidings <command> --help`. */
export function commandHelp(command: Command): string {
  const own = command.options && Object.keys(command.options).length > 0 ? `Options:\n${table(optionLines(command.options))}\n\n` : '';
  return `Usage: ${tidings()} ${synopsis(command)} [options]

${command.summary}${command.description ? `\n\n${command.description}` : ''}

${own}${promptLines(command)}Global options:
${table(optionLines(GLOBAL_OPTIONS))}

${FOOTER}
`;
}
