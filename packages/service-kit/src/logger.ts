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

export type { Logger };

/**
 * A child logger made on first use. Most requests log nothing, and pino's `child()` (its bindings
 * run through the redaction paths) was ~6 % of chat-store's CPU when made for every request.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(_target, key) {
      child ??= parent.child(bindings);
      const value = Reflect.get(child, key, child) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(child) : value;
    },
  });
}
