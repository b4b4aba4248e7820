import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';

/** Field names whose values never reach a log, at the top level and up to two levels down. */
export const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'secret',
  'answer',
  'code',
  'codes',
  'recoveryCode',
  'authorization',
  'passwordHash',
  'tokenHash',
] as const;

export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

export interface LoggerSettings {
  name: string;
  level?: LoggerOptions['level'];
  /** Where lines go (default stdout); tests pass a stream to read the log back. */
  destination?: DestinationStream;
}

/**
 * The keys that say who wrote a line, never what it is about: `service` is the process (bound
 * once, by {@link createLogger}; pino adds `name`, the same), `component` the part of it (bound
 * once, by {@link componentLogger}). A line about another process or service names it in
 * `subject` (the broker's `service health` line: `{"service":"broker","subject":"chat-query",
 * "status":"up"}`); about a user in `user` or `username`, a device in `clientId`. pino writes a
 * key twice when a child re-binds it or a line repeats a binding, so no line's fields use these.
 *
 * The root logger of a process: JSON lines, secrets redacted. Its parts take {@link componentLogger}.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid, service: settings.name },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

/**
 * The logger of one part of a process (`rpc`, `writer`, …): `parent` with `component` bound — unless
 * `parent` already binds one, which it keeps (the first part named wins: a key is bound once).
 * Pass a process's parts its root logger, so that each is named.
 */
export function componentLogger(parent: Logger, component: string): Logger {
  return 'component' in parent.bindings() ? parent : parent.child({ component });
}

/**
 * Drops everything `logger` and its children would write from now on, for a process whose output
 * nobody reads any more (its supervisor died, and with it the read end of the pipe). Without it
 * pino learns of the broken pipe only after an asynchronous write, and the flush it makes at
 * process.exit retries the EPIPE forever (sonic-boom's flushSync retries every error): the
 * process never exits. This is what pino itself does once it has seen the EPIPE.
 */
export function dropLogOutput(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, Record<string, unknown> | undefined>)[pino.symbols.streamSym];
  if (!stream) return;
  const noop = () => {};
  for (const method of ['write', 'flushSync', 'end']) if (typeof stream[method] === 'function') stream[method] = noop;
}

export type { Logger };
