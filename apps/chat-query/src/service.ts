import type { Database } from '@tidings/db';
import { componentLogger, createRpcServer, type Logger, type RpcServer } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import { chatQueryHandlers } from './handlers/index.js';
import { openHistoryReads, type HistoryReads } from './reads.js';

export interface ChatQueryDeps {
  /** A connected service client (connectService as `chat-query`). */
  client: MqttClient;
  db: Database;
  logger: Logger;
  /** The clock (ms since the epoch), for whether a mute is still on; tests move it. */
  now?: () => number;
}

export interface ChatQuery {
  /** Starts answering chat.history, chat.conversations, chat.search, room.list, room.info,
   * room.members and user.list. On a SQLite file
   * it opens its own read-only connection for history (reads.ts). */
  start(): Promise<void>;
  /** Stops taking requests and finishes those in flight, then closes its read connection. Leaves
   * the MQTT client and the database open: whoever made them closes them. */
  stop(): Promise<void>;
  /** The path history reads take while started: 'sqlite' (prepared statements) or 'prisma'. */
  readonly historyReads: HistoryReads['path'] | undefined;
}

/** The chat-query service: every read of conversations, rooms and users. It writes nothing. */
export function createChatQuery(deps: ChatQueryDeps): ChatQuery {
  const logger = componentLogger(deps.logger, 'chat-query');
  let rpc: RpcServer | undefined;
  let reads: HistoryReads | undefined;
  return {
    async start() {
      if (rpc) throw new Error('the chat-query service is already started');
      const onBadEvent = (s: number, problem: string) => logger.error({ s, problem }, 'a stored room event is not valid: sent as a plain message');
      const opened = openHistoryReads(deps.db, { onBadEvent });
      logger.info({ historyReads: opened.path }, 'history reads ready');
      const handlers = chatQueryHandlers({ db: deps.db, reads: opened, logger, now: deps.now ?? Date.now, onBadEvent });
      const server = createRpcServer({ client: deps.client, logger: deps.logger, handlers });
      rpc = server;
      reads = opened;
      try {
        await server.start();
      } catch (err) {
        await server.close();
        opened.close();
        if (rpc === server) rpc = reads = undefined;
        throw err;
      }
    },
    async stop() {
      const server = rpc;
      rpc = undefined;
      if (server) await server.close();
      reads?.close();
      reads = undefined;
    },
    get historyReads() {
      return reads?.path;
    },
  };
}
