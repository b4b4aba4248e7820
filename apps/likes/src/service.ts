import type { Database } from '@tidings/db';
import { componentLogger, createRpcServer, type Logger, type RpcServer } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import type { LikesContext } from './context.js';
import { likesHandlers } from './handlers/index.js';
import { KeyedSerializer } from './serializer.js';

export interface LikesDeps {
  /** A connected service client (connectService as `likes`): it answers requests and publishes live counts. */
  client: MqttClient;
  db: Database;
  logger: Logger;
  /** The clock (ms since the epoch). */
  now?: () => number;
}

export interface Likes {
  /** Starts answering like.add and like.remove. */
  start(): Promise<void>;
  /** Stops taking requests and finishes those in flight (their live counts included). Leaves the
   * MQTT client and the database open: whoever made them closes them. */
  stop(): Promise<void>;
}

/** The likes service: one like per user per message, like/unlike, live counts. */
export function createLikes(deps: LikesDeps): Likes {
  const logger = componentLogger(deps.logger, 'likes');
  const likes: LikesContext = {
    db: deps.db,
    client: deps.client,
    logger,
    now: deps.now ?? Date.now,
    serial: new KeyedSerializer(),
  };
  let rpc: RpcServer | undefined;
  return {
    async start() {
      if (rpc) throw new Error('the likes service is already started');
      rpc = createRpcServer({ client: deps.client, logger: deps.logger, handlers: likesHandlers(likes) });
      await rpc.start();
    },
    async stop() {
      const server = rpc;
      rpc = undefined;
      if (server) await server.close();
    },
  };
}
