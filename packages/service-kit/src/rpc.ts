import { createHash } from 'node:crypto';
import {
  CorrelationId,
  ErrorCodes,
  MAX_REPLY_BYTES,
  MAX_REQUEST_BYTES,
  TidingsError,
  isAction,
  operations,
  parseTopic,
  topics,
  type Action,
  type ErrorReply,
  type ParsedRequestOf,
  type ResultOf,
} from '@tidings/protocol';
import { transientDbErrorCode } from '@tidings/db';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { componentLogger } from './logger.js';
import { requestMetrics } from './metrics.js';
import { markServiceReady } from './mqtt.js';
import { publishBounded } from './publish.js';
import { ReplyCache, type ReplyCacheOptions } from './reply-cache.js';

/** Who sent a request, as the broker verified it (read from the topic, never the payload). */
export type Caller = { kind: 'guest'; clientId: string } | { kind: 'user'; username: string; clientId: string };

export interface HandlerContext {
  caller: Caller;
  logger: Logger;
}

export type Handler<A extends Action> = (request: ParsedRequestOf<A>, ctx: HandlerContext) => Promise<ResultOf<A>>;
export type Handlers = { [A in Action]?: Handler<A> };

/**
 * The signed-in caller's username, as the broker verified it (from the topic). A guest gets
 * FORBIDDEN; the dispatcher already refuses user actions from guests, so this is a second lock.
 */
export function callerUsername(ctx: HandlerContext): string {
  if (ctx.caller.kind !== 'user') throw new TidingsError('FORBIDDEN', 'sign in first');
  return ctx.caller.username;
}

/** A handler's context whose logger (the request's child logger) is made when a handler first uses it. */
function contextOf(caller: Caller, log: () => Logger): HandlerContext {
  return {
    caller,
    get logger() {
      return log();
    },
  };
}

/** A RATE_LIMITED error that tells the client when to try again (whole seconds, at least 1). */
export function rateLimited(message: string, retryAfterMs: number): TidingsError {
  return new TidingsError('RATE_LIMITED', message, { retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
}

/** Seconds a client waits before retrying a request that met a transient database failure. */
export const TRANSIENT_RETRY_AFTER_S = 1;

/**
 * UNAVAILABLE with a retryAfter for a database failure that heals by itself (isTransientDbError in
 * @tidings/db): the client tries again with the same request id, instead of giving up on an
 * INTERNAL. Undefined for any other error.
 */
export function unavailableFor(err: unknown, retryAfterS = TRANSIENT_RETRY_AFTER_S): TidingsError | undefined {
  const code = transientDbErrorCode(err);
  if (code === undefined) return undefined;
  return new TidingsError('UNAVAILABLE', 'The database is briefly unavailable: try again with the same request id.', { retryAfter: retryAfterS, cause: err });
}

export interface RpcServerOptions {
  client: MqttClient;
  logger: Logger;
  handlers: Handlers;
  /** Largest payload accepted (default MAX_REQUEST_BYTES). */
  maxBytes?: number;
  /** Bounds of the answers kept for copies of requests that are not repeatable. */
  replyCache?: ReplyCacheOptions;
}

/**
 * An oversize payload up to this many bytes is still parsed, only to find its `id` for the
 * PAYLOAD_TOO_LARGE reply: the broker closes any connection sending a packet over 64 KiB, so a
 * larger payload cannot arrive through it, and no more than that is ever parsed for a refusal.
 */
export const OVERSIZE_ID_PARSE_MAX_BYTES = 64 * 1024;

/** Strict UTF-8: invalid bytes are a bad request, not U+FFFD silently put in their place. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The payload as JSON, or undefined when it is not UTF-8 or not JSON. */
function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(utf8.decode(payload)) as unknown;
  } catch {
    return undefined;
  }
}

/** The request's correlation id when it has a valid one (to echo in an error reply), else null. */
export function readableId(json: unknown): string | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const parsed = CorrelationId.safeParse((json as { id?: unknown }).id);
  return parsed.success ? parsed.data : null;
}

/** Answers that say "try again": a copy of the request must be handled again, not answered from the cache. */
const RETRYABLE = new Set(['UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL']);

export interface RpcServer {
  /** Subscribes to every handled action's request topic. */
  start(): Promise<void>;
  /** Stops taking requests and waits for those in flight to be answered. */
  close(): Promise<void>;
  readonly inFlight: number;
}

/**
 * The one dispatcher of a service: parses the topic for the caller, checks size, JSON and the
 * request schema, runs the action's handler and publishes the reply (QoS 1) to the caller's
 * private reply topic. Bad input gets a typed error reply and never reaches a handler.
 */
export function createRpcServer(options: RpcServerOptions): RpcServer {
  const { client, handlers } = options;
  const logger = componentLogger(options.logger, 'rpc');
  const maxBytes = options.maxBytes ?? MAX_REQUEST_BYTES;
  const actions = (Object.keys(handlers) as Action[]).filter((a) => handlers[a] !== undefined);
  const filters = actions.map((a) => (operations[a].audience === 'guest' ? topics.guestRequestFilter(a) : topics.userRequestFilter(a)));
  const inFlight = new Set<Promise<void>>();
  const replies = new ReplyCache(options.replyCache);
  const metrics = requestMetrics();
  let accepting = false;

  function reply(clientId: string, body: unknown): Promise<void> {
    return publishReply(clientId, JSON.stringify(body));
  }

  function publishReply(clientId: string, body: string): Promise<void> {
    return publishBounded(client, logger, topics.reply(clientId), body, { qos: 1 }).then(
      () => undefined,
      (err: unknown) => logger.warn({ err, clientId }, 'could not publish a reply'),
    );
  }

  /**
   * The reply as it may be sent: one larger than MAX_REPLY_BYTES (a page or list not bounded as it
   * must be — a bug) becomes a REPLY_TOO_LARGE error, logged at error level with its size. Never
   * sent: the broker would close the service's connection, and mqtt.js would send it again.
   */
  function fitted(requestId: string, body: string, log: () => Logger): string {
    if (body.length * 3 <= MAX_REPLY_BYTES) return body; // at most 3 bytes per UTF-16 code unit
    const bytes = Buffer.byteLength(body);
    if (bytes <= MAX_REPLY_BYTES) return body;
    log().error({ bytes, limit: MAX_REPLY_BYTES }, 'reply too large: answered REPLY_TOO_LARGE instead');
    const err = new TidingsError('REPLY_TOO_LARGE', `the answer has ${bytes} bytes; a reply may have at most ${MAX_REPLY_BYTES}: ask for less`);
    return JSON.stringify(errorReply(requestId, err));
  }

  function errorReply(id: string | null, err: TidingsError): ErrorReply {
    const e: ErrorReply['e'] = { code: err.code, message: err.message };
    if (err.retryAfter !== undefined) e.retryAfter = Math.max(1, Math.ceil(err.retryAfter));
    return { id, e };
  }

  async function handle(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseTopic(topic);
    if (!parsed || (parsed.kind !== 'guest-request' && parsed.kind !== 'user-request')) return;
    const { action, clientId } = parsed;
    if (!isAction(action) || !handlers[action]) return;
    const op = operations[action];
    // A user request's username is the one in its client id (`<username>:<device>`), which the
    // broker bound to the connection's verified identity.
    const caller: Caller = parsed.kind === 'guest-request' ? { kind: 'guest', clientId } : { kind: 'user', username: parsed.username, clientId };
    // The request's child logger is made on first use only: pino serializes (and redacts) a
    // child's bindings when it is made, which cost more per request than validating it.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= logger.child({ action, clientId, ...(caller.kind === 'user' ? { user: caller.username } : {}) }));
    if (op.reply === false) return handleOneWay(action, caller, payload, log);
    if (op.audience !== caller.kind) {
      log().warn('request on a topic of the wrong audience');
      return reply(clientId, errorReply(null, new TidingsError('FORBIDDEN', `${action} is not for ${caller.kind}s`)));
    }
    if (payload.length > maxBytes) {
      // The id is echoed when the payload still parses (bounded: see OVERSIZE_ID_PARSE_MAX_BYTES),
      // so a client can tell which of its requests was too large.
      const id = payload.length <= OVERSIZE_ID_PARSE_MAX_BYTES ? readableId(parseJson(payload)) : null;
      return reply(clientId, errorReply(id, new TidingsError('PAYLOAD_TOO_LARGE', `the request has ${payload.length} bytes; at most ${maxBytes} are allowed`)));
    }
    const json = parseJson(payload);
    if (json === undefined) {
      return reply(clientId, errorReply(null, new TidingsError('BAD_REQUEST', 'the payload is not UTF-8 JSON')));
    }
    const id = readableId(json);
    const request = op.request.safeParse(json);
    if (!request.success) {
      metrics.total.inc({ action, outcome: 'BAD_REQUEST' });
      const issue = request.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return reply(clientId, errorReply(id, new TidingsError('BAD_REQUEST', `${where}${issue?.message ?? ErrorCodes.BAD_REQUEST}`)));
    }
    const requestId = (request.data as { id: string }).id;
    const run = async (): Promise<{ reply: string; keep: boolean }> => {
      const started = performance.now();
      let outcome = 'ok';
      try {
        const handler = handlers[action] as Handler<typeof action>;
        const data = await handler(request.data, contextOf(caller, log));
        if (logger.isLevelEnabled('debug')) log().debug({ ms: Math.round(performance.now() - started) }, 'handled');
        return { reply: fitted(requestId, JSON.stringify({ id: requestId, r: data }), log), keep: true };
      } catch (err) {
        outcome = err instanceof TidingsError ? err.code : unavailableFor(err) ? 'UNAVAILABLE' : 'INTERNAL';
        if (err instanceof TidingsError) {
          log().info({ errorCode: err.code, ms: Math.round(performance.now() - started) }, 'refused');
          return { reply: JSON.stringify(errorReply(requestId, err)), keep: !RETRYABLE.has(err.code) };
        }
        const unavailable = unavailableFor(err);
        if (unavailable) {
          // Expected while a database fails over or restarts: a warning, and the client retries.
          log().warn({ dbError: transientDbErrorCode(err), err, ms: Math.round(performance.now() - started) }, 'database unavailable: answered UNAVAILABLE');
          return { reply: JSON.stringify(errorReply(requestId, unavailable)), keep: false };
        }
        log().error({ err }, 'handler failed');
        return { reply: JSON.stringify(errorReply(requestId, new TidingsError('INTERNAL'))), keep: false };
      } finally {
        metrics.total.inc({ action, outcome });
        metrics.duration.observe({ action }, (performance.now() - started) / 1000);
      }
    };
    // A copy of a request (the same client, action, id and bytes: sent again after a reconnect)
    // gets the first answer; repeatable actions are simply handled again. An id reused for a
    // different request is a different request.
    const body = op.repeatable
      ? (await run()).reply
      : await replies.answer(clientId, `${action} ${requestId} ${createHash('sha256').update(payload).digest('base64url')}`, run);
    return publishReply(clientId, body);
  }

  /** Fire-and-forget actions (typing): validated the same way, but nothing is ever replied. */
  async function handleOneWay(action: Action, caller: Caller, payload: Buffer, log: () => Logger): Promise<void> {
    const op = operations[action];
    if (op.audience !== caller.kind || payload.length > maxBytes) return;
    const json = parseJson(payload);
    if (json === undefined) {
      log().debug('one-way request is not JSON'); // (or not UTF-8)
      return;
    }
    const request = op.request.safeParse(json);
    if (!request.success) {
      log().debug('one-way request does not match its schema');
      return;
    }
    try {
      await (handlers[action] as unknown as (r: unknown, c: HandlerContext) => Promise<unknown>)(request.data, contextOf(caller, log));
    } catch (err) {
      if (err instanceof TidingsError) log().debug({ errorCode: err.code }, 'one-way request refused');
      else if (unavailableFor(err)) log().warn({ dbError: transientDbErrorCode(err), err }, 'database unavailable: one-way request dropped');
      else log().error({ err }, 'one-way handler failed');
    }
  }

  function onMessage(topic: string, payload: Buffer): void {
    if (!accepting) return;
    const task = handle(topic, payload).catch((err: unknown) => logger.error({ err, topic }, 'dispatch failed'));
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  return {
    async start() {
      accepting = true;
      client.on('message', onMessage);
      if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
      markServiceReady(client);
      logger.info({ actions }, 'serving');
    },
    async close() {
      accepting = false;
      client.off('message', onMessage);
      if (filters.length > 0 && client.connected) await client.unsubscribeAsync(filters).catch(() => {});
      await Promise.allSettled([...inFlight]);
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
