import { guestClientId, topics, userClientId, TidingsError, type Action, type RequestOf, type ResultOf } from '@tidings/protocol';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { useBackoff, useNoDelay, type BackoffOptions } from './backoff.js';
import { randomId } from './ids.js';
import { Requester, type Identity, type RequestOptions } from './requester.js';

export interface ConnectOptions {
  /** Broker URL: mqtt://, mqtts://, ws:// or wss:// (…/mqtt). */
  url: string;
  /** Extra mqtt.js options (TLS CA, keepalive…). */
  mqtt?: IClientOptions;
  backoff?: BackoffOptions;
  /** Fail the first connection after this long (default 10 s). Later drops reconnect forever. */
  connectTimeoutMs?: number;
  /**
   * Called with the mqtt.js client before it connects, to attach listeners that must not miss
   * anything: a persistent session's queued events arrive right after CONNACK, before the
   * returned promise settles.
   */
  onClient?: (client: MqttClient) => void;
}

export interface UserCredentials {
  username: string;
  token: string;
  /** Stable per device, so the broker keeps the session (and queued events) across reconnects. */
  device: string;
}

/** One connection to the broker, as a guest or as a signed-in user. */
export class Connection {
  readonly client: MqttClient;
  readonly requester: Requester;

  constructor(client: MqttClient, identity: Identity) {
    this.client = client;
    this.requester = new Requester(client, identity);
  }

  get identity(): Identity {
    return this.requester.identity;
  }

  request<A extends Action>(action: A, body: Omit<RequestOf<A>, 'id'>, options?: RequestOptions): Promise<ResultOf<A>> {
    return this.requester.request(action, body, options);
  }

  /** Fire-and-forget actions (typing), QoS 0, no reply. */
  send<A extends Action>(action: A, body: RequestOf<A>): void {
    this.requester.send(action, body);
  }

  /** Closes cleanly, never hanging: a link the broker already dropped is torn down after a short wait. */
  async close(): Promise<void> {
    this.requester.cancelAll();
    const identity = this.identity;
    if (identity.kind === 'user' && this.client.connected) {
      // A clean goodbye (the last will only fires when a link drops). QoS 0: nothing to wait for.
      this.client.publish(topics.devicePresence(identity.username, identity.clientId), '0', { qos: 0, retain: true });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => this.client.end(true, {}, () => resolve()), 2000);
    });
    await Promise.race([this.client.endAsync(), forced]);
    clearTimeout(timer);
  }
}

function open(options: ConnectOptions, mqttOptions: IClientOptions, identity: Identity): Promise<Connection> {
  const client = connect(options.url, {
    protocolVersion: 4,
    keepalive: 30,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    ...options.mqtt,
    ...mqttOptions,
    clientId: identity.clientId,
  });
  useBackoff(client, options.backoff);
  useNoDelay(client);
  options.onClient?.(client);
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      cleanup();
      client.end(true);
      reject(refusal(err));
    };
    const timer = setTimeout(
      () => fail(new TidingsError('UNAVAILABLE', `no answer from the broker at ${options.url}`)),
      options.connectTimeoutMs ?? 10_000,
    );
    const ok = () => {
      cleanup();
      const conn = new Connection(client, identity);
      conn.requester.ready().then(() => resolve(conn), fail);
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('connect', ok);
      client.off('error', fail);
    };
    client.on('connect', ok);
    client.on('error', fail);
  });
}

/** Turns a CONNACK refusal into a TidingsError a user can act on. */
function refusal(err: Error & { code?: number | string }): TidingsError {
  if (err instanceof TidingsError) return err;
  if (err.code === 4 || err.code === 5) {
    return new TidingsError('UNAUTHORIZED', 'the broker refused these credentials: the session has expired or was revoked', { cause: err });
  }
  if (err.code === 2) return new TidingsError('BAD_REQUEST', 'the broker refused this client id', { cause: err });
  if (err.code === 3) return new TidingsError('UNAVAILABLE', 'the broker is not accepting connections right now', { cause: err });
  return new TidingsError('UNAVAILABLE', `cannot reach the broker: ${err.message}`, { cause: err });
}

/** Connects without credentials: only sign-up, sign-in and recovery requests are allowed. */
export function connectGuest(options: ConnectOptions): Promise<Connection> {
  const clientId = guestClientId(randomId(16));
  return open(options, { clean: true }, { kind: 'guest', clientId });
}

/** Connects as a signed-in user with a persistent session keyed by the device's client id. */
export function connectUser(options: ConnectOptions, credentials: UserCredentials): Promise<Connection> {
  const clientId = userClientId(credentials.username, credentials.device);
  // Presence comes from real connection events: the device says `1` (retained) once connected
  // and leaves `0` as its last will, which the broker publishes when the link drops.
  const presence = topics.devicePresence(credentials.username, clientId);
  const connection = open(
    options,
    {
      clean: false,
      username: credentials.username,
      password: credentials.token,
      will: { topic: presence, payload: '0', qos: 1, retain: true },
    },
    { kind: 'user', username: credentials.username, clientId },
  );
  return connection.then((conn) => {
    const online = () => conn.client.publish(presence, '1', { qos: 1, retain: true });
    online();
    conn.client.on('connect', online);
    return conn;
  });
}
