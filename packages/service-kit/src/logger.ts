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

/** The root logger of a process: JSON lines, secrets redacted. Components take `logger.child({...})`. */
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
