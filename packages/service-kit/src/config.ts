import { z } from 'zod';
import { CONFIG_EXIT_CODE, envSchema, settingsProblem } from './settings.js';

/** Settings that are not what their variables accept: the message is the one line to show. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads settings from the environment once, into a typed object (see settings.ts). A bad value
 * throws a ConfigError whose message is one line naming each bad variable and what it accepts.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(settingsProblem(result.error.issues, env));
}

/**
 * loadConfig for a process's `main`: a bad setting writes `<process>: <the one line>` to stderr
 * and exits with CONFIG_EXIT_CODE (2) — never a stack trace.
 */
export function loadConfigOrExit<S extends z.ZodObject>(processName: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${processName}: ${err.message}\n`);
    process.exit(CONFIG_EXIT_CODE);
  }
}

/** Settings every service process shares. */
export const ServiceEnv = envSchema(
  'TIDINGS_DATA_DIR',
  'TIDINGS_MQTT_PORT',
  'TIDINGS_MQTT_URL',
  'TIDINGS_SERVICE_SECRET',
  'DATABASE_URL',
  'TIDINGS_LOG_LEVEL',
  'TIDINGS_RECONNECT_BASE_MS',
  'TIDINGS_RECONNECT_MAX_MS',
  'TIDINGS_BROKER_DROPS_MAX',
  'TIDINGS_BROKER_DROPS_WINDOW_MS',
  'TIDINGS_BROKER_STABLE_MS',
  'TIDINGS_OPS_PORT',
  'TIDINGS_OPS_HOST',
  'TIDINGS_STANDBY',
);
export type ServiceEnv = z.output<typeof ServiceEnv>;

/**
 * The line of password hashes (FairQueue) of auth and security-questions, each process its own:
 * unset means the service's default (2 at once, 16 waiting, 2 per client or account, 5 s).
 */
export const HashLineEnv = envSchema('TIDINGS_HASH_CONCURRENCY', 'TIDINGS_HASH_QUEUE', 'TIDINGS_HASH_PER_CLIENT', 'TIDINGS_HASH_DEADLINE_MS');
export type HashLineEnv = z.output<typeof HashLineEnv>;

/** The hash-line settings of a service from its environment (only those set: the rest keep the service's default). */
export function hashLineSettings(env: HashLineEnv): { hashConcurrency?: number; hashQueue?: number; hashPerClient?: number; hashDeadlineMs?: number } {
  const out: { hashConcurrency?: number; hashQueue?: number; hashPerClient?: number; hashDeadlineMs?: number } = {};
  if (env.TIDINGS_HASH_CONCURRENCY !== undefined) out.hashConcurrency = env.TIDINGS_HASH_CONCURRENCY;
  if (env.TIDINGS_HASH_QUEUE !== undefined) out.hashQueue = env.TIDINGS_HASH_QUEUE;
  if (env.TIDINGS_HASH_PER_CLIENT !== undefined) out.hashPerClient = env.TIDINGS_HASH_PER_CLIENT;
  if (env.TIDINGS_HASH_DEADLINE_MS !== undefined) out.hashDeadlineMs = env.TIDINGS_HASH_DEADLINE_MS;
  return out;
}

/**
 * Where the attempt limits count (sign-in throttling, recovery attempts, the send rate): in Redis
 * when TIDINGS_REDIS_URL is set, shared by every instance; else in the process's memory.
 * runService reads it for the services whose schema includes it and passes `limits` to them.
 */
export const LimitsEnv = envSchema('TIDINGS_REDIS_URL', 'TIDINGS_REDIS_PREFIX');
export type LimitsEnv = z.output<typeof LimitsEnv>;

export function mqttUrlOf(env: ServiceEnv): string {
  return env.TIDINGS_MQTT_URL ?? `mqtt://127.0.0.1:${env.TIDINGS_MQTT_PORT}`;
}
