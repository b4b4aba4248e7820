import type { Database } from '@tidings/db';
import { createRpcServer, type Logger, type RpcServer } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import type { QueryContext } from './context.js';
import { chatQueryHandlers } from './handlers/index.js';

export interface ChatQueryDeps {
  /** A connected service client (connectService as `chat-query`). */
  client: MqttClient;
  db: Database;
  logger: Logger;
}

export interface ChatQuery {
  /** Starts answering chat.history, chat.conversations, room.list and user.list. */
  start(): Promise<void>;
  /** Stops taking requests and finishes those in flight. Leaves the MQTT client and the database
   * open: whoever made them closes them. */
  stop(): Promise<void>;
}

/** The chat-query service: every read of conversations, rooms and users. It writes nothing. */
export function createChatQuery(deps: ChatQueryDeps): ChatQuery {
  const logger = deps.logger.child({ component: 'chat-query' });
  const q: QueryContext = { db: deps.db, logger };
  let rpc: RpcServer | undefined;
  return {
    async start() {
      if (rpc) throw new Error('the chat-query service is already started');
      rpc = createRpcServer({ client: deps.client, logger, handlers: chatQueryHandlers(q) });
      await rpc.start();
    },
    async stop() {
      const server = rpc;
      rpc = undefined;
      if (server) await server.close();
    },
  };
}
