import { SessionRevokedEvent, topics } from '@tidings/protocol';
import type { Logger } from 'pino';
import type { MqttClient } from 'mqtt';

/** Session ids per event: keeps one event far below the broker's packet limit. */
const IDS_PER_EVENT = 200;

/**
 * How a service that revokes sessions (auth on logout, revoke and password change;
 * security-questions on a password reset) tells the broker to close their live connections.
 */
export interface RevocationPublisher {
  /**
   * Tells the broker (on `t/svc/session-revoked`, QoS 1; the broker's ACL lets only the services
   * that revoke publish there) to drop the live connections of these sessions. Sent on the next
   * turn of the event loop, after the handler's reply: a user who signs out the connection they
   * asked on still gets the answer before it is closed. The database already says "revoked", so
   * a new connection with the token is refused either way.
   */
  announce(event: SessionRevokedEvent): void;
  /** Waits for every announcement still being sent (on stop). */
  flush(): Promise<void>;
}

/** A {@link RevocationPublisher} on the service's own MQTT client; failures are logged, never thrown. */
export function createRevocationPublisher(client: MqttClient, logger: Logger): RevocationPublisher {
  const pending = new Set<Promise<void>>();

  async function publish(event: SessionRevokedEvent): Promise<void> {
    for (let i = 0; i < event.sessionIds.length; i += IDS_PER_EVENT) {
      const chunk = SessionRevokedEvent.parse({ ...event, sessionIds: event.sessionIds.slice(i, i + IDS_PER_EVENT) });
      try {
        await client.publishAsync(topics.sessionRevoked, JSON.stringify(chunk), { qos: 1 });
      } catch (err) {
        logger.error(
          { err, username: event.username, sessionIds: chunk.sessionIds },
          'could not announce revoked sessions: their live connections stay open until they reconnect',
        );
      }
    }
  }

  return {
    announce(event) {
      const task = new Promise<void>((resolve) => setImmediate(resolve)).then(() => publish(event));
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
    async flush() {
      await Promise.allSettled([...pending]);
    },
  };
}
