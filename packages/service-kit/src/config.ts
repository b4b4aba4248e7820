import path from 'node:path';
import { z } from 'zod';

/**
 * Reads settings from the environment once, into a typed object; a bad value stops the
 * process with a message naming the variable. No `process.env` anywhere else.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new Error(`invalid configuration:\n${lines.join('\n')}`);
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** Settings every service process shares. */
export const ServiceEnv = z.object({
  TIDINGS_DATA_DIR: z
    .string()
    .default('./data')
    .transform((p) => path.resolve(p)),
  TIDINGS_MQTT_PORT: port(1883),
  /** Where services reach the broker; default the local broker's TCP port. */
  TIDINGS_MQTT_URL: z.string().optional(),
  /** This service's broker password; default: read from the data directory's service credentials. */
  TIDINGS_SERVICE_SECRET: z.string().min(16).optional(),
  DATABASE_URL: z.string().optional(),
  TIDINGS_LOG_LEVEL: LogLevel,
  /**
   * Reconnecting to the broker: the first delay's ceiling, doubling per failed attempt up to the
   * cap, with full jitter. Short, because services reach the broker on loopback or a LAN.
   */
  TIDINGS_RECONNECT_BASE_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  TIDINGS_RECONNECT_MAX_MS: z.coerce.number().int().min(10).max(300_000).default(1000),
  /**
   * When the broker connection counts as failing and the process exits (status 1) for its
   * supervisor to start it afresh: this many connections within the window that the broker closed
   * before they had lasted TIDINGS_BROKER_STABLE_MS (mqtt.ts BROKER_HEALTH). 0: never exit.
   */
  TIDINGS_BROKER_DROPS_MAX: z.coerce.number().int().min(0).max(1000).default(5),
  TIDINGS_BROKER_DROPS_WINDOW_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  TIDINGS_BROKER_STABLE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
});
export type ServiceEnv = z.output<typeof ServiceEnv>;

/**
 * The line of password hashes (FairQueue) of auth and security-questions, each process its own:
 * unset means the service's default (2 at once, 16 waiting, 2 per client or account, 5 s).
 */
export const HashLineEnv = z.object({
  /** Hashes computed at once (each argon2id hash holds 64 MiB while it runs). */
  TIDINGS_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  /** Hashes waiting at most; beyond it RATE_LIMITED. */
  TIDINGS_HASH_QUEUE: z.coerce.number().int().min(0).max(10_000).optional(),
  /** Hashes of one client id in the line (waiting or running) at most. */
  TIDINGS_HASH_PER_CLIENT: z.coerce.number().int().min(1).max(1000).optional(),
  /** Longest wait in the line, in ms; then RATE_LIMITED. */
  TIDINGS_HASH_DEADLINE_MS: z.coerce.number().int().min(1).max(600_000).optional(),
});
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

export function mqttUrlOf(env: ServiceEnv): string {
  return env.TIDINGS_MQTT_URL ?? `mqtt://127.0.0.1:${env.TIDINGS_MQTT_PORT}`;
}
