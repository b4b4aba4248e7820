import type { Readable, Writable } from 'node:stream';
import type { CliHome } from './session-store.js';
import type { Prompter, PrompterOptions } from './prompt.js';

/** The process's streams and environment, injected so tests run the CLI in-process. */
export interface Io {
  stdin: Readable & { isTTY?: boolean; isRaw?: boolean; setRawMode?(mode: boolean): unknown };
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** One option of a command, as node:util parseArgs takes it, plus its help line. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Name of the value in the help text, e.g. `label` for `--device <label>`. */
  value?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'string' ? string : O[K]['type'] extends 'boolean' ? boolean : string | boolean;
};

/** A positional argument: `<user>` when required, `[user]` when optional. */
export interface ArgSpec {
  name: string;
  optional?: boolean;
}

/** What a command hands back: a line (or lines) for people and an object for `--json`. */
export interface Outcome {
  text: string;
  data: Record<string, unknown>;
}

export interface Context<V> {
  io: Io;
  /** Positional arguments by the names in the command's `args`. */
  args: Record<string, string | undefined>;
  options: V;
  json: boolean;
  /** `--url`, else $TIDINGS_URL, else mqtt://localhost:1883. */
  url: string;
  /** True when `--url` was given on the command line (it then wins over a saved session's URL). */
  urlGiven: boolean;
  home: CliHome;
  /** Asks for secrets or lines, from the terminal or from standard input; closed when the command ends. */
  prompter(options: PrompterOptions): Prompter;
}

export interface CommandSpec<O extends OptionSpecs> {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Paragraph(s) for `tidings <command> --help`. */
  description?: string;
  args?: readonly ArgSpec[];
  options?: O;
  run(ctx: Context<OptionValues<O>>): Promise<Outcome>;
}

export type Command = CommandSpec<OptionSpecs>;

/** Declares a command with typed option values; the table in commands/index.ts lists them. */
export function defineCommand<const O extends OptionSpecs = Record<never, OptionSpec>>(spec: CommandSpec<O>): Command {
  return spec as unknown as Command;
}

/** Wrong command line: exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The user pressed Ctrl-C at a prompt: exit status 130. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('interrupted');
  }
}
