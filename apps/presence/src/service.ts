import type { Database } from '@tidings/db';
import { componentLogger, createRpcServer, type Handler, type Logger, type RpcServer } from '@tidings/service-kit';
import type { MqttClient } from 'mqtt';
import { resolveSettings, type PresenceSettings } from './settings.js';
import { createPresenceTracker, type PresenceTracker } from './tracker.js';
import { TypingLimiter, typingHandler } from './typing.js';

export interface PresenceDeps {
  /** A connected service client (connectService) with the presence service's identity. */
  client: MqttClient;
  db: Database;
  logger: Logger;
  /** The clock (ms since the epoch) for presence times and the typing limit; tests move it. */
  now?: () => number;
  settings?: Partial<PresenceSettings>;
}

export interface PresenceService {
  /** Follows the device topics (rebuilding from their retained states) and relays typing. */
  start(): Promise<void>;
  /** Stops taking typing requests and device updates, finishes those in hand and writes the
   * pending presence rows. Leaves the MQTT client and the database open: whoever made them
   * closes them. */
  stop(): Promise<void>;
  readonly settings: PresenceSettings;
}

/** The presence service: online/offline/last-seen from the devices' own retained states, and typing. */
export function createPresence(deps: PresenceDeps): PresenceService {
  const settings = resolveSettings(deps.settings);
  const now = deps.now ?? Date.now;
  const logger = componentLogger(deps.logger, 'presence-service');
  let tracker: PresenceTracker | undefined;
  let rpc: RpcServer | undefined;
  let started = false;

  return {
    settings,
    async start() {
      if (started) throw new Error('the presence service was already started');
      started = true;
      tracker = createPresenceTracker({ client: deps.client, db: deps.db, logger: deps.logger, now, settings });
      await tracker.start();
      const typing = typingHandler({
        client: deps.client,
        db: deps.db,
        logger,
        limiter: new TypingLimiter(settings, now),
      });
      // chat.typing is one-way (its result type is `never`): the dispatcher replies nothing.
      rpc = createRpcServer({
        client: deps.client,
        logger: deps.logger,
        handlers: { 'chat.typing': typing as unknown as Handler<'chat.typing'> },
      });
      await rpc.start();
    },
    async stop() {
      const server = rpc;
      const t = tracker;
      rpc = undefined;
      tracker = undefined;
      if (server) await server.close();
      if (t) await t.stop();
    },
  };
}
