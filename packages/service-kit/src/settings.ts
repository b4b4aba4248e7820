import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting of every Tidings process, in one table: its environment variable, what it
 * accepts, its default, what it means and which processes read it. The broker, the services and
 * the launcher (scripts/stack.mjs) read their environment through it (envSchema, loadConfig), so a
 * bad value stops any of them with the same one line:
 *
 *   TIDINGS_MQTT_PORT must be a port number 0–65535 (got "abc")
 *
 * and exit code 2 (CONFIG_EXIT_CODE). README.md's Configuration table is generated from it
 * (`node scripts/settings-table.mjs --write`) and a test keeps the two, and the variables the
 * sources name, the same. An empty value counts as unset. No `process.env` read anywhere else.
 */

/** Who reads a setting: the broker, every service (or one), the launcher, `pnpm migrate`, the CLI. */
export type Reader = 'broker' | 'services' | 'auth' | 'chat-store' | 'chat-query' | 'likes' | 'presence' | 'security-questions' | 'stack' | 'migrate' | 'cli';

/** A process whose settings are bad exits with this code (not 1: a supervisor need not restart it, nothing will change). */
export const CONFIG_EXIT_CODE = 2;

export interface Setting<S extends z.ZodType = z.ZodType> {
  /** Parses the variable's value (a string, or undefined when unset or empty) into what the process uses. */
  schema: S;
  /** What it accepts, completing "<variable> must be …". */
  accepts: string;
  /** The default as README shows it: a value in backticks is what an unset variable means; otherwise a description. */
  default: string;
  /** What it does (Markdown, one line). */
  meaning: string;
  readBy: readonly Reader[];
  /** Its value never appears in a message (only its length). */
  secret?: boolean;
}

const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

interface Kind<S extends z.ZodType> {
  schema: S;
  accepts: string;
}

const range = (min: number, max: number) => `${min.toLocaleString('en-US')}–${max.toLocaleString('en-US')}`;

function wholeNumber(min: number, max: number): Kind<z.ZodType<number, string>> {
  return {
    schema: z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max)),
    accepts: `a whole number ${range(min, max)}`,
  };
}

/** A decimal number in [min, max]; above `min` only when `exclusiveMin`. */
function decimal(min: number, max: number, options: { exclusiveMin?: boolean; unit?: string } = {}): Kind<z.ZodType<number, string>> {
  const n = z.number().max(max);
  return {
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number)
      .pipe(options.exclusiveMin ? n.gt(min) : n.min(min)),
    accepts: `a number${options.unit ? ` of ${options.unit}` : ''} ${options.exclusiveMin ? `above ${min}, at most ${max.toLocaleString('en-US')}` : range(min, max)}`,
  };
}

const portNumber: Kind<z.ZodType<number, string>> = { ...wholeNumber(0, 65_535), accepts: 'a port number 0–65535' };

const FLAG_ON = ['on', '1', 'true', 'yes'];
const FLAG_OFF = ['off', '0', 'false', 'no'];
const flag: Kind<z.ZodType<boolean, string>> = {
  schema: z.enum([...FLAG_ON, ...FLAG_OFF] as [string, ...string[]]).transform((v) => FLAG_ON.includes(v)),
  accepts: 'on or off (or 1/0, true/false, yes/no)',
};

function oneOf<const T extends readonly [string, ...string[]]>(values: T): Kind<z.ZodType<T[number], string>> {
  return { schema: z.enum(values), accepts: `one of ${values.join(', ')}` };
}

function text(accepts: string, minLength = 1): Kind<z.ZodType<string, string>> {
  return { schema: z.string().min(minLength), accepts };
}

/** A URL whose start matches `pattern` (a regex, not a refine: a refine's issue is a rule across variables, see settingsProblem). */
function url(pattern: RegExp, accepts: string): Kind<z.ZodType<string, string>> {
  return { schema: z.string().regex(pattern), accepts };
}

const MQTT_URL = url(/^(mqtts?|tcp|ssl|tls|wss?):\/\/[^\s/?#]+/i, 'an mqtt://, mqtts://, ws:// or wss:// URL');
const pemFile = text('the path of a PEM file');

/** One of `values`, as written (case-insensitive). */
function choice(values: readonly string[], accepts: string): Kind<z.ZodType<string, string>> {
  return {
    schema: z
      .string()
      .transform((v) => v.trim().toLowerCase())
      .pipe(z.enum(values as [string, ...string[]])),
    accepts,
  };
}

/** A setting with a default (its schema's output is never undefined). */
function withDefault<T>(kind: Kind<z.ZodType<T, string>>, value: T, doc: Omit<Setting, 'schema' | 'accepts' | 'default'> & { default?: string }) {
  return {
    ...doc,
    schema: z.preprocess(unsetIfEmpty, kind.schema.default(value as never)) as unknown as z.ZodType<T, string | undefined>,
    accepts: kind.accepts,
    default: doc.default ?? `\`${String(value)}\``,
  } satisfies Setting;
}

/** A setting that may stay unset (its reader then decides, as `default` says). */
function optional<T>(kind: Kind<z.ZodType<T, string>>, doc: Omit<Setting, 'schema' | 'accepts'>) {
  return {
    ...doc,
    schema: z.preprocess(unsetIfEmpty, kind.schema.optional()) as unknown as z.ZodType<T | undefined, string | undefined>,
    accepts: kind.accepts,
  } satisfies Setting;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const SERVER: Reader[] = ['broker', 'services', 'stack'];
const HASH_LINE: Reader[] = ['auth', 'security-questions'];
const LIMITED: Reader[] = ['auth', 'chat-store', 'security-questions'];

export const SETTINGS = {
  TIDINGS_MQTT_PORT: withDefault(portNumber, 1883, { meaning: 'Broker MQTT/TCP port (0 picks a free one); services reach the broker on it', readBy: SERVER }),
  TIDINGS_HTTP_PORT: withDefault(portNumber, 8080, {
    meaning: 'Broker HTTP port: the web app, WebSocket at `/mqtt`, `GET /healthz`',
    readBy: ['broker', 'stack'],
  }),
  TIDINGS_MQTTS_PORT: withDefault(portNumber, 8883, { meaning: 'MQTT over TLS, when a certificate is set', readBy: ['broker', 'stack'] }),
  TIDINGS_TLS_CERT: optional(pemFile, {
    default: 'unset',
    meaning: 'With `TIDINGS_TLS_KEY` (both or neither): the broker also serves MQTT over TLS and HTTPS/WSS ([docs/tls.md](docs/tls.md))',
    readBy: ['broker', 'stack'],
  }),
  TIDINGS_TLS_KEY: optional(pemFile, { default: 'unset', meaning: 'The private key of `TIDINGS_TLS_CERT`', readBy: ['broker', 'stack'] }),
  TIDINGS_HOST: withDefault(text('a host name or IP address'), '0.0.0.0', { meaning: 'Address the broker listens on', readBy: ['broker', 'stack'] }),
  TIDINGS_DATA_DIR: {
    ...withDefault(text('a directory path'), './data', {
      meaning: 'SQLite database, generated service credentials (mode 0600)',
      readBy: ['broker', 'services', 'stack', 'migrate'],
    }),
    schema: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .min(1)
        .default('./data')
        .transform((p) => path.resolve(p)),
    ) as unknown as z.ZodType<string, string | undefined>,
  },
  DATABASE_URL: optional(url(/^(file:|postgres(ql)?:\/\/)\S/i, 'a file: URL (SQLite) or a postgresql:// URL'), {
    default: '`file:<data dir>/tidings.db`',
    meaning: '`file:…` for SQLite or `postgresql://…` for PostgreSQL',
    readBy: ['broker', 'services', 'stack', 'migrate'],
    secret: true,
  }),
  TIDINGS_MQTT_URL: optional(MQTT_URL, {
    default: '`mqtt://127.0.0.1:$TIDINGS_MQTT_PORT`',
    meaning: 'Where services reach the broker',
    readBy: ['services'],
  }),
  TIDINGS_SERVICE_SECRET: optional(text('at least 16 characters', 16), {
    default: 'from the data dir',
    meaning: 'A service’s broker password, when services run apart from the broker',
    readBy: ['services'],
    secret: true,
  }),
  TIDINGS_STATIC_DIR: optional(text('a directory path'), {
    default: '`apps/web/dist` when built',
    meaning: 'The web app’s files to serve (with a strict Content-Security-Policy)',
    readBy: ['broker'],
  }),
  TIDINGS_MAX_CONNECTS_PER_MINUTE: optional(wholeNumber(0, 1_000_000), {
    default: '`30`',
    meaning: 'Connection attempts per remote address per minute (loopback exempt; 0 = no cap)',
    readBy: ['broker'],
  }),
  TIDINGS_MAX_DEVICES_PER_SESSION: optional(wholeNumber(1, 10_000), {
    default: '`16`',
    meaning: 'Distinct device ids (client ids) one session token may connect as',
    readBy: ['broker'],
  }),
  TIDINGS_MAX_QUEUED_MESSAGES: optional(wholeNumber(1, 1_000_000), {
    default: '`1000`',
    meaning: 'Messages kept for one persistent session; the oldest are dropped first',
    readBy: ['broker'],
  }),
  TIDINGS_MAX_QUEUED_BYTES: optional(wholeNumber(1024, 1024 ** 3), {
    default: '`262144`',
    meaning: 'Payload bytes kept for one persistent session; the oldest are dropped first',
    readBy: ['broker'],
  }),
  TIDINGS_TRUST_PROXY: withDefault(flag, false, {
    default: '`off`',
    meaning: 'Count WebSocket clients by `X-Forwarded-For` (only behind your own proxy)',
    readBy: ['broker'],
  }),
  TIDINGS_PROXY_PROTOCOL: withDefault(flag, false, {
    default: '`off`',
    meaning:
      'Every connection to the MQTT, MQTTS and HTTP ports starts with a PROXY protocol header (HAProxy `send-proxy-v2`) naming the client; others are closed. Only behind your own load balancer',
    readBy: ['broker'],
  }),
  TIDINGS_BROKER_AUTH: withDefault(flag, true, {
    default: '`on`',
    meaning: '`off` opens the broker without authentication — for raw benchmarks only',
    readBy: ['broker'],
  }),
  TIDINGS_SESSION_TTL_DAYS: withDefault(decimal(0, 366, { exclusiveMin: true, unit: 'days' }), 30, {
    meaning: 'How long a session token lives',
    readBy: ['auth'],
  }),
  TIDINGS_MAX_SESSIONS_PER_USER: withDefault(wholeNumber(1, 1000), 10, {
    meaning: 'Active sessions one account keeps; a sign-in past it ends the oldest',
    readBy: ['auth'],
  }),
  TIDINGS_HASH_CONCURRENCY: optional(wholeNumber(1, 64), {
    default: '`2`',
    meaning:
      'The line of password hashes, each service its own: hashes computed at once (each holds 64 MiB); beyond the line `RATE_LIMITED` with `retryAfter` ([docs/protocol.md](docs/protocol.md#the-hash-line))',
    readBy: HASH_LINE,
  }),
  TIDINGS_HASH_QUEUE: optional(wholeNumber(0, 10_000), { default: '`16`', meaning: 'The line of password hashes: hashes waiting at most', readBy: HASH_LINE }),
  TIDINGS_HASH_PER_CLIENT: optional(wholeNumber(1, 1000), {
    default: '`2`',
    meaning: 'The line of password hashes: hashes of one client id in it (waiting or running) at most',
    readBy: HASH_LINE,
  }),
  TIDINGS_HASH_DEADLINE_MS: optional(wholeNumber(1, 600_000), {
    default: '`5000`',
    meaning: 'The line of password hashes: the longest wait in it (ms)',
    readBy: HASH_LINE,
  }),
  TIDINGS_REDIS_URL: optional(url(/^rediss?:\/\/\S+/i, 'a redis:// or rediss:// URL'), {
    default: 'unset: in memory',
    meaning:
      'Redis for running past one machine. Brokers sharing it form a cluster: routing, persistent sessions, queues and retained messages in Redis ([docs/running-at-scale.md](docs/running-at-scale.md#broker-cluster)). Services count their attempt limits there (sign-in throttling, recovery attempts, the send rate), shared by every instance, each falling back to its own memory while Redis is unreachable ([docs/running-at-scale.md](docs/running-at-scale.md#shared-limits-in-redis)). Unset: everything in each process’s memory',
    readBy: ['broker', ...LIMITED],
    secret: true,
  }),
  TIDINGS_REDIS_PREFIX: withDefault(url(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - (at most 64)'), 'tidings', {
    meaning: 'The start of every Redis key and channel (one Redis may serve several deployments)',
    readBy: ['broker', ...LIMITED],
  }),
  TIDINGS_SEND_RATE: withDefault(decimal(0, 10_000, { exclusiveMin: true }), 10, {
    meaning:
      'Messages and room actions per user per second: this many each second, plus the rest of `TIDINGS_SEND_BURST` once per burst / rate seconds (so at most 20 at once and 15/s sustained with the defaults; a backlog after a stall is taken)',
    readBy: ['chat-store'],
  }),
  TIDINGS_SEND_BURST: withDefault(wholeNumber(1, 100_000), 20, {
    meaning: 'Messages one user may send at once: the number per window',
    readBy: ['chat-store'],
  }),
  TIDINGS_DB_RETRY_SECONDS: withDefault(decimal(0, 600, { unit: 'seconds' }), 30, {
    meaning: 'How long a send waits for a database that fails for a while (read-only, restarting, locked) before it is answered `UNAVAILABLE`; 0 = not at all',
    readBy: ['chat-store'],
  }),
  TIDINGS_SEND_QUEUE: withDefault(wholeNumber(1, 1_000_000), 10_000, {
    meaning: 'Sends waiting to be stored at most; past it new sends get `UNAVAILABLE` at once',
    readBy: ['chat-store'],
  }),
  TIDINGS_ROOMS_PER_USER: withDefault(wholeNumber(1, 100_000), 50, {
    meaning: 'Rooms one user may create; past it `room.create` is `FORBIDDEN`',
    readBy: ['chat-store'],
  }),
  TIDINGS_STANDBY: withDefault(flag, false, {
    default: '`off`',
    meaning:
      'Run this service instance as one of several: it waits until it holds its service’s lock in PostgreSQL (an advisory lock) and only then serves; when the leader dies, a standby takes over within about half a second. Needs a PostgreSQL `DATABASE_URL`',
    readBy: ['services'],
  }),
  TIDINGS_OPS_PORT: optional(portNumber, {
    default: 'off',
    meaning:
      'Operations endpoint of the broker or a service: `GET /metrics` (Prometheus) and `GET /healthz` (a service: 200 while its broker connection is up, else 503); 0 = any free port',
    readBy: ['broker', 'services'],
  }),
  TIDINGS_OPS_HOST: withDefault(text('a host name or IP address'), '127.0.0.1', {
    meaning: 'Address of the operations endpoint (`0.0.0.0` for Kubernetes probes and a Prometheus on another host)',
    readBy: ['broker', 'services'],
  }),
  TIDINGS_RECONNECT_BASE_MS: withDefault(wholeNumber(10, 60_000), 200, {
    meaning: 'Reconnecting to the broker: the first delay (ms; doubling, jittered)',
    readBy: ['services'],
  }),
  TIDINGS_RECONNECT_MAX_MS: withDefault(wholeNumber(10, 300_000), 1000, {
    meaning: 'Reconnecting to the broker: the longest delay (ms)',
    readBy: ['services'],
  }),
  TIDINGS_BROKER_DROPS_MAX: withDefault(wholeNumber(0, 1000), 5, {
    meaning:
      'Exit (status 1, for a restart) after this many broker connections within `TIDINGS_BROKER_DROPS_WINDOW_MS` closed before they lasted `TIDINGS_BROKER_STABLE_MS`; 0 = never',
    readBy: ['services'],
  }),
  TIDINGS_BROKER_DROPS_WINDOW_MS: withDefault(wholeNumber(1000, 3_600_000), 60_000, {
    meaning: 'The window of `TIDINGS_BROKER_DROPS_MAX` (ms)',
    readBy: ['services'],
  }),
  TIDINGS_BROKER_STABLE_MS: withDefault(wholeNumber(100, 600_000), 10_000, {
    meaning: 'A broker connection that lasts this long (ms) does not count for `TIDINGS_BROKER_DROPS_MAX`',
    readBy: ['services'],
  }),
  TIDINGS_PRESENCE_SETTLE_MS: withDefault(wholeNumber(0, 60_000), 2000, {
    meaning: 'How long retained device states have to arrive after a reconnect (ms)',
    readBy: ['presence'],
  }),
  TIDINGS_RECOVERY_KEY: optional(text('at least 32 characters', 32), {
    default: '`<data dir>/recovery-key` (made on first start, mode 0600)',
    meaning: 'The key for decoy questions and recovery-code hashes; every instance needs the same one, and changing it voids all recovery codes',
    readBy: ['security-questions'],
    secret: true,
  }),
  TIDINGS_LOG_LEVEL: withDefault(oneOf(LOG_LEVELS), 'info', { meaning: 'The lowest level logged', readBy: ['broker', 'services'] }),
  TIDINGS_LOG_FORMAT: optional(oneOf(['pretty', 'json']), {
    default: '`pretty` on a terminal, else `json`',
    meaning: 'The launcher’s output: short lines, or the processes’ JSON lines as they are',
    readBy: ['stack'],
  }),
  TIDINGS_URL: optional(MQTT_URL, { default: '`mqtt://localhost:1883`', meaning: 'The broker to talk to', readBy: ['cli'] }),
  TIDINGS_CLI_HOME: optional(text('a directory path'), {
    default: '`$XDG_CONFIG_HOME/tidings`, else `~/.config/tidings`',
    meaning: 'Where the session file (0600) lives',
    readBy: ['cli'],
  }),
  TIDINGS_CONNECT_TIMEOUT: optional(decimal(0, 3600, { unit: 'seconds' }), {
    default: '`20`',
    meaning: 'Seconds a command keeps trying to reach the broker (`send` uses its `--wait`, default 120)',
    readBy: ['cli'],
  }),
  TIDINGS_CA: optional(pemFile, {
    default: 'unset',
    meaning: 'CA certificate(s) to trust for `mqtts://`/`wss://`, besides the system’s (the same as `--ca`; [docs/tls.md](docs/tls.md))',
    readBy: ['cli'],
  }),
  TIDINGS_INSECURE: optional(choice(['1', '0', 'true', 'false', 'yes', 'no'], '1 or 0 (or true/false, yes/no)'), {
    default: '`0`',
    meaning: '`1` skips the broker’s certificate check, with a warning every time (the same as `--insecure`; testing only)',
    readBy: ['cli'],
  }),
  TIDINGS_WATCH_PRESENCE_DELAY: optional(decimal(0, 3600, { unit: 'seconds' }), {
    default: '`3`',
    meaning: 'Seconds someone’s coming online or going offline must last before `watch` shows it (0: at once)',
    readBy: ['cli'],
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
type Schemas = { [K in SettingName]: (typeof SETTINGS)[K]['schema'] };

/** The zod object that reads `names` from an environment (loadConfig); extend it with another's `.shape`. */
export function envSchema<const K extends SettingName>(...names: K[]): z.ZodObject<Pick<Schemas, K>> {
  return z.object(Object.fromEntries(names.map((n) => [n, SETTINGS[n].schema])) as Pick<Schemas, K>);
}

/** The names of the settings `reader` reads (with `services`' for any one service). */
export function settingsReadBy(reader: Reader): SettingName[] {
  const services: Reader[] = ['auth', 'chat-store', 'chat-query', 'likes', 'presence', 'security-questions'];
  return (Object.keys(SETTINGS) as SettingName[]).filter((n) => {
    const by: readonly Reader[] = SETTINGS[n].readBy;
    return by.includes(reader) || (services.includes(reader) && by.includes('services'));
  });
}

/** What a bad value is shown as: quoted, or only its length for a secret. */
function shown(name: string, value: unknown): string {
  if (typeof value !== 'string') return 'nothing';
  const setting = (SETTINGS as Record<string, Setting | undefined>)[name];
  return setting?.secret ? `a value of ${value.length} characters` : JSON.stringify(value);
}

/** The one line for the problems zod found in `env`: each names its variable and what it accepts. */
export function settingsProblem(issues: readonly z.core.$ZodIssue[], env: Record<string, string | undefined>): string {
  const lines = new Map<string, string>();
  for (const issue of issues) {
    const name = String(issue.path[0] ?? '');
    if (lines.has(name)) continue;
    const setting = (SETTINGS as Record<string, Setting | undefined>)[name];
    // A rule across variables (a refine) says itself what is wrong.
    if (issue.code === 'custom' || !setting) lines.set(name, name && !issue.message.includes(name) ? `${name}: ${issue.message}` : issue.message);
    else lines.set(name, `${name} must be ${setting.accepts} (got ${shown(name, env[name])})`);
  }
  return [...lines.values()].join('; ');
}

const READER_LABELS: Record<Reader, string> = {
  broker: 'broker',
  services: 'every service',
  auth: 'auth',
  'chat-store': 'chat-store',
  'chat-query': 'chat-query',
  likes: 'likes',
  presence: 'presence',
  'security-questions': 'security-questions',
  stack: 'launcher',
  migrate: '`pnpm migrate`',
  cli: 'CLI',
};

/** The Markdown table of every setting, as README.md's Configuration section shows it (scripts/settings-table.mjs). */
export function settingsTable(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const rows = (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const s: Setting = SETTINGS[name];
    return `| \`${name}\` | ${cell(s.default)} | ${cell(s.accepts)} | ${s.readBy.map((r) => READER_LABELS[r]).join(', ')} | ${cell(s.meaning)} |`;
  });
  return ['| Variable | Default | Accepts | Read by | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
