import type { Database } from '@tidings/db';
import { dmRef, type RoomEvent } from '@tidings/protocol';
import { componentLogger, counter, createLimits, createRpcServer, gaugeSource, type Limits, type Logger, type RpcServer } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import type { ChatContext } from './context.js';
import { Directory } from './directory.js';
import { LiveEvents } from './events.js';
import { chatStoreHandlers } from './handlers/index.js';
import { resolveSettings, type ChatStoreSettings } from './settings.js';
import { MessageWriter } from './writer.js';
import { createSendBudget } from './send-budget.js';

export interface ChatStoreDeps {
  /** A connected service client (connectService as `chat-store`). */
  client: MqttClient;
  db: Database;
  logger: Logger;
  /** The clock (ms since the epoch) for message times and mutes; tests move it. */
  now?: () => number;
  /** Where the send rate limit counts (service-kit's createLimits): in Redis, or in memory (the
   * default). Whoever made it closes it. */
  limits?: Limits;
  settings?: Partial<ChatStoreSettings>;
}

export interface ChatStore {
  /** Starts answering chat.send/edit/delete/read and room.create/join/leave. */
  start(): Promise<void>;
  /**
   * Stops taking requests, stores and acknowledges every send already accepted, and sends the
   * pending live events. Leaves the MQTT client and the database open: whoever made them closes them.
   */
  stop(): Promise<void>;
  readonly settings: ChatStoreSettings;
  /** Transactions the message writer has committed (diagnostics). */
  readonly batches: number;
  /** Sends accepted and not yet stored or refused (diagnostics). */
  readonly waiting: number;
}

/**
 * chat-store: every write to a conversation. Run exactly ONE instance against a database: it
 * is the single writer of messages and keeps sequence numbers in memory (see writer.ts).
 */
export function createChatStore(deps: ChatStoreDeps): ChatStore {
  const settings = resolveSettings(deps.settings);
  const now = deps.now ?? Date.now;
  const logger = componentLogger(deps.logger, 'chat-store');
  const events = new LiveEvents(deps.client, logger);
  const stored = counter('tidings_messages_stored_total', 'Messages and room events chat-store committed');
  let unwatch: (() => void) | undefined;
  const writer = new MessageWriter({
    prisma: deps.db.prisma,
    provider: deps.db.provider,
    sqlite: deps.db.sqlite,
    logger: deps.logger, // the writer names itself
    now,
    maxBatch: settings.maxBatch,
    recentAcks: settings.recentAcks,
    cacheSize: settings.cacheSize,
    maxWaiting: settings.maxWaiting,
    retry: { horizonMs: settings.dbRetryMs, baseMs: settings.dbRetryBaseMs, maxMs: settings.dbRetryMaxMs },
    onStored: (m) => {
      stored.inc();
      const ev = m.event === undefined ? undefined : (JSON.parse(m.event) as RoomEvent);
      events.conversation(m.conv, { t: 'm', s: m.s, u: m.sender.username, x: m.text, at: m.at, ...(ev ? { ev } : {}) });
      // Mentioned members hear of it on their inbox, wherever they are looking.
      const c = m.conv.name ?? dmRef(m.sender.username);
      for (const user of m.mentions) events.inbox(user.username, { t: 'mn', c, s: m.s, u: m.sender.username });
    },
  });
  const chat: ChatContext = {
    db: deps.db,
    directory: new Directory(deps.db.prisma, settings.cacheSize),
    writer,
    events,
    sendLimiter: createSendBudget(deps.limits ?? createLimits({ maxKeys: settings.cacheSize, logger }), settings),
    settings,
    now,
    logger,
  };
  let rpc: RpcServer | undefined;

  return {
    settings,
    get batches() {
      return writer.batches;
    },
    get waiting() {
      return writer.waiting;
    },
    async start() {
      if (rpc) throw new Error('chat-store is already started');
      rpc = createRpcServer({ client: deps.client, logger: deps.logger, handlers: chatStoreHandlers(chat) });
      unwatch = gaugeSource(
        'tidings_writer_waiting',
        'Sends chat-store accepted and has not stored yet (queued or in the batch being written)',
        () => writer.waiting,
      );
      await rpc.start();
    },
    async stop() {
      const server = rpc;
      rpc = undefined;
      unwatch?.();
      // A database that is down does not hold the stop up: sends waiting for it get UNAVAILABLE.
      writer.stopWaiting();
      if (server) await server.close(); // waits for in-flight requests, whose sends wait for their batch
      await writer.drain();
      await events.flush();
    },
  };
}
