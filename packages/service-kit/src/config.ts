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
  TIDINGS_DATA_DIR: z.string().default('./data').transform((p) => path.resolve(p)),
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

export function mqttUrlOf(env: ServiceEnv): string {
  return env.TIDINGS_MQTT_URL ?? `mqtt://127.0.0.1:${env.TIDINGS_MQTT_PORT}`;
}
