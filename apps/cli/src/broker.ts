import type { Connection } from '@tidings/client';
import { TidingsError } from '@tidings/protocol';
import { UsageError, type Io } from './command.js';
import type { CliHome, Session } from './session-store.js';
import { isCertificateError, mqttTlsOptions, type TlsSettings } from './tls.js';
import { tidings } from './invocation.js';

/**
 * How long a command keeps trying to reach the broker before it says it cannot (seconds;
 * `TIDINGS_CONNECT_TIMEOUT`). Long enough for a slow link: a TCP handshake and CONNECT/CONNACK
 * are two round trips, and a dropped attempt is tried again at once.
 */
export const DEFAULT_CONNECT_TIMEOUT_S = 20;

/** How a command reaches the broker: how long it may keep trying, and where it says it is still trying. */
export interface LinkSettings {
  connectTimeoutMs: number;
  notice?: (line: string) => void;
  /** The broker's certificate: extra CAs to trust, or no check (`--ca`, `--insecure`). */
  tls?: TlsSettings;
}

/** The link settings of a command: `TIDINGS_CONNECT_TIMEOUT`, notices on stderr, its TLS settings. */
export function linkOf(ctx: { io: Io; tls?: TlsSettings | undefined }): LinkSettings {
  const raw = ctx.io.env.TIDINGS_CONNECT_TIMEOUT;
  let seconds = DEFAULT_CONNECT_TIMEOUT_S;
  if (raw !== undefined && raw !== '') {
    seconds = Number(raw);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
      throw new UsageError(`TIDINGS_CONNECT_TIMEOUT must be a number of seconds between 0 and 3600: ${raw}`);
    }
  }
  const link: LinkSettings = { connectTimeoutMs: Math.round(seconds * 1000), notice: (line) => void ctx.io.stderr.write(`${line}\n`) };
  if (ctx.tls) link.tls = ctx.tls;
  return link;
}

const DEFAULT_LINK: LinkSettings = { connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_S * 1000 };
/** How long closing may wait for in-flight packets before the socket is simply dropped. */
const CLOSE_TIMEOUT_MS = 2_000;

const PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:']);

/** Checks a broker URL before it reaches mqtt.js (which throws unhelpful errors on bad ones). */
export function checkBrokerUrl(url: string, source: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !PROTOCOLS.has(parsed.protocol) || !parsed.hostname) {
    throw new UsageError(`${source} must be a broker URL such as mqtt://host:1883 (mqtt, mqtts, ws or wss): ${url}`);
  }
  return url;
}

type Connector = (options: {
  url: string;
  connectTimeoutMs: number;
  onConnectError: (err: Error) => void;
  mqtt: { ca?: string[]; rejectUnauthorized?: boolean };
}) => Promise<Connection>;

/** Connects, saying once on stderr that it is still trying when the first attempt fails. */
async function reach(url: string, link: LinkSettings, connect: Connector): Promise<Connection> {
  let told = false;
  const onConnectError = (err: Error) => {
    if (told || !link.notice) return;
    told = true;
    link.notice(`cannot reach the broker at ${url} yet (${err.message}): trying for ${Math.round(link.connectTimeoutMs / 1000)} s`);
  };
  try {
    return await connect({ url, connectTimeoutMs: link.connectTimeoutMs, onConnectError, mqtt: mqttTlsOptions(link.tls) });
  } catch (err) {
    if (err instanceof TidingsError && err.code !== 'UNAVAILABLE') throw err;
    const cause = err instanceof Error ? err.cause : undefined;
    if (isCertificateError(cause)) {
      const given = link.tls?.caSource ? ` (the CA of ${link.tls.caSource} did not vouch for it)` : '';
      throw new TidingsError(
        'UNAVAILABLE',
        `the broker at ${url} has a TLS certificate this machine does not trust${given}: ${(cause as Error).message}; pass its CA certificate with --ca FILE (or TIDINGS_CA), or --insecure to skip the check`,
        { cause: err },
      );
    }
    const detail =
      cause instanceof Error
        ? cause.message
        : err instanceof TidingsError && err.message.startsWith('no answer')
          ? `no answer within ${Math.round(link.connectTimeoutMs / 1000)} s`
          : String((err as Error | undefined)?.message ?? err);
    throw new TidingsError('UNAVAILABLE', `cannot reach the broker at ${url} (${detail})`, { cause: err });
  }
}

/** Runs `fn` on a connection and always closes it, so the process can exit promptly. */
async function using<T>(conn: Connection, fn: (conn: Connection) => Promise<T>): Promise<T> {
  try {
    return await fn(conn);
  } finally {
    await closeConnection(conn);
  }
}

/**
 * Closes politely (the client says goodbye and waits for its acknowledgements) if the broker
 * is there, then drops the socket. Stops waiting as soon as the broker closes the link itself
 * (as it does right after a logout revokes the session) or after 2 s, so a command never
 * hangs on a close. The 2 s timer is deliberately not unref'd: it is what ends the wait.
 */
export async function closeConnection(conn: Connection): Promise<void> {
  const client = conn.client;
  if (client.connected) {
    let timer: NodeJS.Timeout | undefined;
    let dropped: (() => void) | undefined;
    await Promise.race([
      conn.close().catch(() => undefined),
      new Promise<void>((resolve) => {
        dropped = resolve;
        client.once('close', resolve);
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (dropped) client.off('close', dropped);
  }
  conn.requester.cancelAll();
  // Forced: no reconnect, nothing more to wait for (a no-op if the polite close finished).
  client.end(true);
}

// mqtt.js takes a good part of the start-up time: load it only for commands that connect,
// so --help and usage errors answer at once.
const loadClient = () => import('@tidings/client');

/** Connects as a guest (not signed in), runs `fn`, closes. */
export async function asGuest<T>(url: string, fn: (conn: Connection) => Promise<T>, link: LinkSettings = DEFAULT_LINK): Promise<T> {
  const { connectGuest } = await loadClient();
  const conn = await reach(url, link, (options) => connectGuest(options));
  return using(conn, fn);
}

export interface UserConnectionOptions {
  /**
   * Connect as this device instead of the session's (the client id is `<username>:<device>`).
   * A long-running command uses its own, so the one-shot commands run beside it do not take
   * its connection over (the broker keeps one connection per client id).
   */
  device?: string;
  /** How long to keep trying to connect, and where to say so (default: 20 s, quietly). */
  link?: LinkSettings;
}

/**
 * Connects as the signed-in user of `session`, runs `fn`, closes. Throws UNAUTHORIZED
 * from connecting when the broker refuses the token.
 */
export async function asUser<T>(url: string, session: Session, fn: (conn: Connection) => Promise<T>, options: UserConnectionOptions = {}): Promise<T> {
  const { connectUser } = await loadClient();
  const credentials = { username: session.username, token: session.token, device: options.device ?? session.device };
  const conn = await reach(url, options.link ?? DEFAULT_LINK, (o) => connectUser(o, credentials));
  return using(conn, fn);
}

/** `tidings login <user>`, with the --url and --ca given on this command line (the environment's apply again by themselves). */
export function signInHint(username: string, url: string, urlGiven: boolean, tls?: TlsSettings): string {
  const ca = tls?.caSource === '--ca' && tls.caFile !== undefined ? ` --ca ${tls.caFile}` : '';
  return `${tidings()} login ${username}${urlGiven ? ` --url ${url}` : ''}${ca}`;
}

interface SessionContext {
  home: CliHome;
  url: string;
  urlGiven: boolean;
  tls?: TlsSettings;
  /** When given: the link settings come from its environment (see {@link linkOf}). */
  io?: Io;
}

/** The saved session, or UNAUTHORIZED "not signed in". */
export async function requireSession(ctx: SessionContext): Promise<Session> {
  const session = await ctx.home.readSession();
  if (!session) throw new TidingsError('UNAUTHORIZED', `not signed in: run ${tidings()} login <user>`);
  return session;
}

/** The broker URL for a signed-in command: `--url` when given, else the URL the session was made at. */
export function sessionUrl(ctx: SessionContext, session: Session): string {
  return ctx.urlGiven ? ctx.url : session.url;
}

/**
 * Runs `fn` as the signed-in user. When the broker refuses the session's token, the local
 * session file is removed (it can never work again) and the error says to sign in again.
 */
export async function withSession<T>(
  ctx: SessionContext,
  session: Session,
  fn: (conn: Connection) => Promise<T>,
  options: UserConnectionOptions = {},
): Promise<T> {
  const url = sessionUrl(ctx, session);
  const link = options.link ?? (ctx.io ? linkOf({ io: ctx.io, tls: ctx.tls }) : undefined);
  try {
    return await asUser(url, session, fn, link ? { ...options, link } : options);
  } catch (err) {
    if (err instanceof TidingsError && err.code === 'UNAUTHORIZED') {
      await ctx.home.removeSession();
      // CONNACK 5 for a token the broker accepted: it is in use on as many devices as a session may
      // have (each `watch` of a conversation is one); 4 is an expired or revoked session.
      const why = (err.cause as { code?: unknown } | undefined)?.code === 5 ? 'is in use on too many devices' : 'has expired or was revoked';
      throw new TidingsError(
        'UNAUTHORIZED',
        `the session of ${session.username} ${why}: sign in again with ${signInHint(session.username, url, ctx.urlGiven, ctx.tls)}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}
