import { createInterface, emitKeypressEvents, type Interface } from 'node:readline';
import { TidingsError } from '@tidings/protocol';
import { Interrupted, type Io } from './command.js';

export interface PrompterOptions {
  /** Read the answers from standard input, one line each, instead of prompting on the terminal. */
  fromStdin: boolean;
  /** The flag that sets `fromStdin` (named in the error when there is no terminal), e.g. `--password-stdin`. */
  flag: string;
}

/** Asks the user for answers: hidden or visible on a terminal, or line by line from standard input. */
export interface Prompter {
  /** A secret: not echoed on a terminal. */
  secret(label: string): Promise<string>;
  /** A visible answer. */
  line(label: string): Promise<string>;
  /** Gives the terminal back (raw mode off) and stops reading standard input. */
  close(): void;
}

export function createPrompter(io: Io, options: PrompterOptions): Prompter {
  if (options.fromStdin) return new StdinPrompter(io.stdin);
  if (io.stdin.isTTY && typeof io.stdin.setRawMode === 'function') return new TerminalPrompter(io.stdin, io.stderr);
  return new NoTerminal(options.flag);
}

/** Answers are the lines of standard input, in order (a trailing `\r` is dropped). */
class StdinPrompter implements Prompter {
  readonly #input: Io['stdin'];
  #rl: Interface | undefined;
  readonly #lines: string[] = [];
  readonly #waiters: ((line: string | null) => void)[] = [];
  #ended = false;
  #answered = 0;

  constructor(input: Io['stdin']) {
    this.#input = input;
  }

  secret(label: string): Promise<string> {
    return this.line(label);
  }

  async line(label: string): Promise<string> {
    const n = ++this.#answered;
    const line = await this.#next();
    if (line === null) throw new TidingsError('BAD_REQUEST', `standard input ended before the ${label} (line ${n})`);
    return line;
  }

  close(): void {
    this.#rl?.close();
  }

  #next(): Promise<string | null> {
    this.#start();
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #start(): void {
    if (this.#rl) return;
    const rl = createInterface({ input: this.#input, crlfDelay: Infinity, terminal: false });
    rl.on('line', (line) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    });
    rl.on('close', () => {
      this.#ended = true;
      for (const waiter of this.#waiters.splice(0)) waiter(null);
    });
    this.#rl = rl;
  }
}

class NoTerminal implements Prompter {
  readonly #flag: string;

  constructor(flag: string) {
    this.#flag = flag;
  }

  secret(): Promise<string> {
    return Promise.reject(new TidingsError('BAD_REQUEST', `no terminal to prompt on: use ${this.#flag}`));
  }

  line(): Promise<string> {
    return this.secret();
  }

  close(): void {}
}

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  sequence?: string;
}

interface Waiter {
  label: string;
  echo: boolean;
  resolve: (value: string) => void;
  reject: (err: Error) => void;
}

/**
 * Prompts on a terminal in raw mode, so a secret is never echoed. Keys are decoded by
 * node:readline's keypress parser; Enter ends an answer, Backspace and Ctrl-U edit it,
 * Ctrl-C interrupts and Ctrl-D on an empty answer gives up. What is typed ahead is kept
 * for the next prompt.
 */
class TerminalPrompter implements Prompter {
  readonly #input: Io['stdin'];
  readonly #output: Io['stderr'];
  readonly #typedAhead: string[] = [];
  #current = '';
  #waiter: Waiter | undefined;
  #listening = false;
  #raw = false;
  #interrupted = false;

  constructor(input: Io['stdin'], output: Io['stderr']) {
    this.#input = input;
    this.#output = output;
  }

  secret(label: string): Promise<string> {
    return this.#ask(label, false);
  }

  line(label: string): Promise<string> {
    return this.#ask(label, true);
  }

  close(): void {
    if (this.#listening) this.#input.off('keypress', this.#onKey);
    this.#listening = false;
    this.#setRaw(false);
    this.#input.pause();
  }

  #ask(label: string, echo: boolean): Promise<string> {
    if (this.#waiter) return Promise.reject(new Error('one prompt at a time'));
    if (this.#interrupted) {
      this.#output.write(`${label}: \n`);
      return Promise.reject(new Interrupted());
    }
    const ahead = this.#typedAhead.shift();
    if (ahead !== undefined) {
      this.#output.write(echo ? `${label}: ${ahead}\n` : `${label}: \n`);
      return Promise.resolve(ahead);
    }
    if (!this.#listening) {
      emitKeypressEvents(this.#input);
      this.#input.on('keypress', this.#onKey);
      this.#listening = true;
    }
    // Echo off before the prompt shows, so nothing typed in answer to it is ever echoed.
    this.#setRaw(true);
    this.#input.resume();
    this.#output.write(`${label}: `);
    return new Promise((resolve, reject) => {
      this.#waiter = { label, echo, resolve, reject };
    });
  }

  #settle(outcome: { value: string } | { error: Error }): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = undefined;
    this.#setRaw(false);
    this.#input.pause();
    this.#output.write('\n');
    if ('error' in outcome) waiter.reject(outcome.error);
    else waiter.resolve(outcome.value);
  }

  #setRaw(raw: boolean): void {
    if (this.#raw === raw) return;
    this.#input.setRawMode?.(raw);
    this.#raw = raw;
  }

  readonly #onKey = (str: string | undefined, key: Key | undefined): void => {
    const waiter = this.#waiter;
    if (key?.ctrl && key.name === 'c') {
      this.#current = '';
      if (waiter) this.#settle({ error: new Interrupted() });
      else this.#interrupted = true;
      return;
    }
    if (key?.name === 'return' || key?.name === 'enter') {
      const value = this.#current;
      this.#current = '';
      if (waiter) this.#settle({ value });
      else this.#typedAhead.push(value);
      return;
    }
    if (key?.ctrl && key.name === 'd') {
      if (this.#current === '' && waiter) {
        this.#settle({ error: new TidingsError('BAD_REQUEST', `no ${waiter.label} given`) });
      }
      return;
    }
    if (key?.name === 'backspace') {
      if (this.#current === '') return;
      this.#current = [...this.#current].slice(0, -1).join('');
      if (waiter?.echo) this.#output.write('\b \b');
      return;
    }
    if (key?.ctrl && key.name === 'u') {
      if (waiter?.echo) this.#output.write('\b \b'.repeat([...this.#current].length));
      this.#current = '';
      return;
    }
    // eslint-disable-next-line no-control-regex -- control keys are not text
    if (key?.ctrl || key?.meta || str === undefined || /[\u0000-\u001f\u007f]/.test(str)) return;
    this.#current += str;
    if (waiter?.echo) this.#output.write(str);
  };
}
