import type { Readable, Writable } from 'node:stream';
import type { CliHome } from './session-store.js';
import type { Prompter, PrompterOptions } from './prompt.js';
import type { TlsSettings } from './tls.js';

/** The process's streams and environment, injected so tests run the CLI in-process. */
export interface Io {
  stdin: Readable & { isTTY?: boolean; isRaw?: boolean; setRawMode?(mode: boolean): unknown };
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /**
   * Where long-running commands (watch) hear SIGINT and SIGTERM; default `process`. Tests pass
   * their own emitter to stop a watch the way Ctrl-C does.
   */
  signals?: SignalSource;
}

/** The part of `process` a command needs to hear Ctrl-C and SIGTERM. */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
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
  /** How the help text and usage errors name it (default: `name`), e.g. `room|@user`. */
  label?: string;
  optional?: boolean;
  /** The last argument only: takes every remaining positional, joined by single spaces (`<text…>`). */
  rest?: boolean;
}

/** What a command hands back: a line (or lines) for people and an object for `--json`. */
export interface Outcome {
  /** null: the command has written its text output itself as it went (send --stdin, watch). */
  text: string | null;
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
  /** How the broker's TLS certificate is checked (`--ca`, `--insecure`). */
  tls: TlsSettings;
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
  /**
   * What the command asks, in order: with `--stdin` (or `--password-stdin`) each is one line of
   * standard input. Listed in the command's help; a command with prompts takes promptStdinOptions.
   */
  prompts?: readonly string[];
  /** How the general help names the command line that prompts, when not just the name (`security-question set`). */
  promptsUsage?: string;
  run(ctx: Context<OptionValues<O>>): Promise<Outcome>;
}

export type Command = CommandSpec<OptionSpecs>;

/** Declares a command with typed option values; the table in commands/index.ts lists them. */
export function defineCommand<const O extends OptionSpecs = Record<never, OptionSpec>>(spec: CommandSpec<O>): Command {
  return spec;
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
