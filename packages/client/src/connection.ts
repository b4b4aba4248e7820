import { guestClientId, topics, userClientId, TidingsError, type Action, type RequestOf, type ResultOf } from '@tidings/protocol';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { useBackoff, useNoDelay, type BackoffOptions } from './backoff.js';
import { randomId } from './ids.js';
import { useLiveness, type LivenessOptions } from './liveness.js';
import { Requester, type Identity, type RequestOptions } from './requester.js';
import { RttEstimator } from './rtt.js';

export interface ConnectOptions {
  /** Broker URL: mqtt://, mqtts://, ws:// or wss:// (…/mqtt). */
  url: string;
  /** Extra mqtt.js options (TLS CA, keepalive…). */
  mqtt?: IClientOptions;
  backoff?: BackoffOptions;
  /**
   * Give up the first connection after this long (default 10 s), trying again meanwhile after
   * every dropped or refused attempt; only a refusal of the credentials fails at once. Later
   * drops reconnect forever.
   */
  connectTimeoutMs?: number;
  /** Told of every failed attempt of the first connection (e.g. to say "still trying"). */
  onConnectError?: (err: Error) => void;
  /** How soon a stuck connection is noticed (see useLiveness); false turns the check off. */
  liveness?: LivenessOptions | false;
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

  constructor(client: MqttClient, identity: Identity, rtt?: RttEstimator, onSent?: () => void) {
    this.client = client;
    this.requester = new Requester(client, identity, rtt, onSent);
  }

  /** The link's measured round-trip time and retransmission timeout. */
  get rtt(): RttEstimator {
    return this.requester.rtt;
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

/**
 * Reconnect delays of a user's or guest's client: short — 62–250 ms after a drop, growing to at
 * most 1 s, about 250 ms while attempts fail at once — so a link or a broker that comes back
 * is used within a second; jittered, so a crowd does not return in step. A failed attempt
 * costs a TCP SYN (or nothing, without a network): cheap next to a minute without messages.
 */
export const CLIENT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 1000 };

/** How long an attempt waits for CONNACK before the link's round trip is known. */
const FIRST_ATTEMPT_MS = 10_000;

function attemptTimeout(rtt: RttEstimator): number {
  if (rtt.srtt === undefined) return FIRST_ATTEMPT_MS;
  return Math.min(30_000, Math.max(3000, Math.round(2.5 * rtt.srtt + 500)));
}

function open(options: ConnectOptions, mqttOptions: IClientOptions, identity: Identity): Promise<Connection> {
  const baseConnectTimeout = options.connectTimeoutMs ?? 10_000;
  const client = connect(options.url, {
    protocolVersion: 4,
    keepalive: 30,
    connectTimeout: Math.min(baseConnectTimeout, FIRST_ATTEMPT_MS),
    // A QoS 0 publish made while the link is down is dropped, not queued: requests wait in the
    // Requester (sent again on reconnect), and a stale typing notice is worth nothing.
    queueQoSZero: false,
    ...options.mqtt,
    ...mqttOptions,
    clientId: identity.clientId,
  });
  const rtt = new RttEstimator();
  useBackoff(client, options.backoff ?? CLIENT_BACKOFF);
  useNoDelay(client);
  const liveness = options.liveness === false ? undefined : useLiveness(client, rtt, options.liveness);
  // How long one attempt waits for its CONNACK follows the link: a TCP handshake and
  // CONNECT/CONNACK are two round trips, so 2.5 × SRTT + 0.5 s (within 3–30 s). An attempt caught
  // by a stuck flow is given up in seconds, not after a fixed 10 s or the whole connect timeout.
  client.on('close', () => {
    client.options.connectTimeout = attemptTimeout(rtt);
  });
  options.onClient?.(client);
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const fail = (err: Error) => {
      cleanup();
      client.end(true);
      reject(refusal(err));
    };
    const timer = setTimeout(
      () =>
        fail(
          lastError
            ? new TidingsError('UNAVAILABLE', `cannot reach the broker at ${options.url}: ${lastError.message}`, { cause: lastError })
            : new TidingsError('UNAVAILABLE', `no answer from the broker at ${options.url}`),
        ),
      baseConnectTimeout,
    );
    let conn: Connection | undefined;
    const ok = () => {
      conn ??= new Connection(client, identity, rtt, liveness && (() => liveness.expect()));
      const c = conn;
      // The reply topic's SUBACK may be lost with a link that drops right after CONNACK: then
      // the next connection subscribes again (the Requester does), within the same timeout.
      c.requester.ready().then(
        () => {
          cleanup();
          resolve(c);
        },
        (err: Error) => {
          lastError = err;
        },
      );
    };
    const onError = (err: Error & { code?: number | string }) => {
      // The broker refused these credentials or this client id, or its TLS certificate is not
      // trusted here: retrying cannot help.
      if (err.code === 2 || err.code === 4 || err.code === 5 || isCertificateError(err)) return fail(err);
      lastError = err;
      options.onConnectError?.(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('connect', ok);
      client.off('error', onError);
    };
    client.on('connect', ok);
    client.on('error', onError);
  });
}

/**
 * True for a TLS error about the broker's certificate (self-signed, unknown issuer, expired, not
 * for this host name), which no retry can cure. Node names them by OpenSSL's codes.
 */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME_MISMATCH/.test(code);
}

/** Turns a CONNACK refusal into a TidingsError a user can act on. */
function refusal(err: Error & { code?: number | string }): TidingsError {
  if (err instanceof TidingsError) return err;
  if (isCertificateError(err)) {
    return new TidingsError('UNAVAILABLE', `the broker's TLS certificate is not trusted: ${err.message}`, { cause: err });
  }
  if (err.code === 4) {
    return new TidingsError('UNAUTHORIZED', 'the broker refused these credentials: the session has expired or was revoked', { cause: err });
  }
  if (err.code === 5) {
    // A valid session refused all the same: it is in use on as many devices as one session may
    // have (16), or the connection asked for what it may not (a last will other than its own `0`).
    return new TidingsError(
      'UNAUTHORIZED',
      'the broker refused this connection: the session is in use on too many devices (sign in again) or it asked for what it may not',
      { cause: err },
    );
  }
  if (err.code === 2) return new TidingsError('BAD_REQUEST', 'the broker refused this client id', { cause: err });
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
    // QoS 0: a QoS 1 publish would sit in mqtt.js's outgoing store, and after a reconnect
    // mqtt.js replays that store before it sends anything new. If this one is lost the link
    // dropped, the will said `0`, and the next connect says `1` again.
    const online = () => conn.client.publish(presence, '1', { qos: 0, retain: true });
    online();
    conn.client.on('connect', online);
    return conn;
  });
}
