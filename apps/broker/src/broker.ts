import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Database } from '@tidings/db';
import { ROOM_MEMBERS_MAX, RoomAccessEvent, SessionRevokedEvent, ServiceHealth, topics } from '@tidings/protocol';
import { componentLogger } from '@tidings/service-kit';
import { Aedes, type AedesOptions, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { canPublish, canReceive, canRetain, canSubscribe, canWill, isDevicePresencePayload, isOwnDeviceTopic, type Identity } from './acl.js';
import { ReturnCode, createAuthenticator } from './authenticate.js';
import { resolveLimits, type Limits } from './limits.js';
import { guardPackets } from './packet-guard.js';
import { checkRedis, redisEmitter, redisPersistence, routeInCounterOrder, sharedAttempts, sharedDevices, type RedisOptions } from './cluster.js';
import { indexedMemoryPersistence, type PersistenceOptions } from './retained.js';
import { RoomAccess, followRoomAccess, loadPrivateRooms } from './room-access.js';
import { readProxyHeader, withPrepended } from './proxy-protocol.js';
import { SECURITY_HEADERS, createStaticHandler } from './static.js';

export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** Port of MQTT over TLS (0 = ephemeral). The HTTP port then speaks HTTPS (and WSS). */
  mqttsPort: number;
}

export interface BrokerOptions {
  logger: Logger;
  /** Needed to verify user sessions; required when `auth` is on. */
  db?: Database | undefined;
  /** Service name → secret (broker username `svc:<name>`). */
  serviceCredentials: Readonly<Record<string, string>>;
  /** Interface to listen on (default 0.0.0.0). */
  host?: string | undefined;
  /** MQTT over TCP (0 = ephemeral). */
  mqttPort: number;
  /** HTTP: `/healthz`, MQTT over WebSocket at `/mqtt`, and optionally the web app (0 = ephemeral). */
  httpPort: number;
  tls?: TlsOptions | undefined;
  /** Authentication and ACL (default true). false = an open broker, for raw benchmarks only. */
  auth?: boolean | undefined;
  limits?: Partial<Limits> | undefined;
  now?: (() => number) | undefined;
  /** Serve the files of this directory over HTTP (the static web app), with a strict CSP. */
  staticDir?: string | undefined;
  /** Called for HTTP requests other than /healthz before static files; return true if it answered. */
  httpHandler?: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | undefined;
  /** Take a WebSocket client's address from X-Forwarded-For (only behind a proxy you run). */
  trustProxy?: boolean | undefined;
  /**
   * Every connection to the MQTT, MQTTS and HTTP ports starts with a PROXY protocol header (v1
   * or v2, HAProxy's `send-proxy-v2`) naming the client's address; one without it is closed.
   * Only behind a load balancer you run (src/proxy-protocol.ts).
   */
  proxyProtocol?: boolean | undefined;
  /**
   * Run as one broker of a cluster: route through Redis Pub/Sub (mqemitter-redis) and keep
   * sessions, queues, retained messages and wills in Redis (aedes-persistence-redis), under
   * `prefix`. Unset: all of it in this process's memory. See src/cluster.ts.
   */
  redis?: RedisOptions | undefined;
}

export interface RunningBroker {
  aedes: Aedes;
  mqttPort: number;
  httpPort: number;
  mqttsPort?: number;
  /** mqtt://127.0.0.1:<port> (or the host it listens on, when it is not a wildcard). */
  url: string;
  /** ws://…/mqtt, or wss:// when TLS is on. */
  wsUrl: string;
  /** mqtts://… when TLS is on. */
  mqttsUrl?: string;
  close(): Promise<void>;
  connectedClients(): number;
  /** Messages and payload bytes the broker keeps for one persistent session (client id). */
  queued(clientId: string): { messages: number; bytes: number };
  /** Retained messages held (device presence, presence, health). */
  retainedCount(): number;
  /** Private rooms and their memberships held in memory for the ACL. */
  privateRooms(): { rooms: number; memberships: number };
}

type Transport = 'tcp' | 'tls' | 'ws' | 'wss';

/** Sessions whose lastSeenAt one statement moves (SQLite allows 32766 parameters). */
const SEEN_BATCH = 1000;

/** Sessions revoked this recently are refused even if their DB row was read before the revocation. */
const REVOKED_MEMORY_MS = 5 * 60_000;

/**
 * Starts the Tidings broker: aedes with our authentication and ACL, MQTT over TCP, MQTT over
 * WebSocket at `/mqtt` of the HTTP server, `/healthz`, and MQTT over TLS + HTTPS when `tls` is
 * given. Rejects (after closing whatever it opened) when a port is taken.
 */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const log = componentLogger(options.logger, 'broker');
  const now = options.now ?? Date.now;
  const limits = resolveLimits(options.limits);
  const authOn = options.auth ?? true;
  const host = options.host ?? '0.0.0.0';
  if (authOn && !options.db) throw new Error('startBroker: a database is required when authentication is on');
  if (options.redis) await checkRedis(options.redis);
  const startedAt = now();

  const identities = new WeakMap<Client, Identity>();
  const remoteAddresses = new WeakMap<object, { address: string; transport: Transport }>();
  const throttled = new WeakSet<Client>();
  const willOf = new WeakMap<Client, { topic: string; payload: Buffer; retain: boolean }>();
  /** Clients whose CONNECT had an empty client id, with the clean flag they asked for. */
  const emptyClientId = new WeakMap<Client, boolean>();
  /** Live user connections by session id, for revocation and the expiry sweep. */
  const bySession = new Map<string, Set<Client>>();
  /**
   * The device ids (client ids) each session has connected as, bounded by
   * limits.maxDevicesPerSession; kept until the session is revoked or expires, when the state the
   * broker holds for those devices (retained presence, persistent session, queue) is cleared.
   * In memory like that state itself: a broker restart forgets both.
   */
  const devicesOf = new Map<string, { username: string; expiresAt: number; clientIds: Set<string> }>();
  /** Which session last connected as a client id: only that session's end clears its state. */
  const sessionOfClientId = new Map<string, string>();
  const recentlyRevoked = new Map<string, number>();
  const attempts = new Map<string, number[]>();
  const serviceStates = new Map<string, 'up' | 'down'>();
  const openStreams = new Set<Duplex>();
  /** Who may read which private room (filled at start, then kept by chat-store's room-access events). */
  const roomAccess = new RoomAccess();

  // Session.lastSeenAt, written like a group commit: the sessions seen while a write runs go
  // together in the next one. One UPDATE per connection (each its own synchronous=FULL commit,
  // run on the event loop by the SQLite driver) capped connects at a few hundred per second.
  const seenSessions = new Set<string>();
  let recordingSeen: Promise<void> | undefined;
  const recordSeen = async () => {
    await new Promise((resolve) => setImmediate(resolve)); // let this turn's connections join
    while (seenSessions.size > 0) {
      const ids = [...seenSessions].slice(0, SEEN_BATCH);
      for (const id of ids) seenSessions.delete(id);
      try {
        await options.db?.prisma.session.updateMany({ where: { id: { in: ids } }, data: { lastSeenAt: new Date(now()) } });
      } catch (err) {
        log.warn({ err, sessions: ids.length }, 'could not record lastSeenAt');
      }
    }
    recordingSeen = undefined;
  };

  const authenticator = createAuthenticator({
    db: options.db,
    serviceCredentials: options.serviceCredentials,
    now,
    onUserSeen: (sessionId) => {
      seenSessions.add(sessionId);
      recordingSeen ??= recordSeen();
    },
  });

  const describe = (client: Client) => {
    const identity = identities.get(client);
    const where = remoteAddresses.get(client.conn);
    return {
      clientId: client.id,
      kind: identity?.kind,
      username: identity?.kind === 'user' ? identity.username : identity?.kind === 'service' ? `svc:${identity.service}` : undefined,
      address: where?.address,
      transport: where?.transport,
    };
  };

  const authError = (returnCode: number, reason: string): AuthenticateError => Object.assign<Error, { returnCode: number }>(new Error(reason), { returnCode });

  function isLoopback(address: string): boolean {
    return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  }

  const isCapped = (address: string) => limits.connectionAttemptsPerMinute > 0 && !(limits.exemptLoopback && isLoopback(address));
  /** In a cluster the attempts are counted in Redis, by every broker together; in memory while Redis fails. */
  const clusterAttempts = options.redis && limits.connectionAttemptsPerMinute > 0 ? sharedAttempts(options.redis, now) : undefined;
  /** In a cluster a session's devices are counted in Redis too, by every broker together. */
  const clusterDevices = options.redis && authOn ? sharedDevices(options.redis) : undefined;

  function allowAttempt(address: string): boolean {
    const cap = limits.connectionAttemptsPerMinute;
    if (!isCapped(address)) return true;
    const t = now();
    if (attempts.size > 10_000) {
      // many addresses: forget those with no attempt in the last minute (bounded memory)
      for (const [a, times] of attempts) if ((times.at(-1) ?? 0) <= t - 60_000) attempts.delete(a);
    }
    const recent = (attempts.get(address) ?? []).filter((at) => at > t - 60_000);
    recent.push(t);
    attempts.set(address, recent.length > cap + 1 ? recent.slice(-(cap + 1)) : recent);
    return recent.length <= cap;
  }

  /**
   * Ends sessions in the broker: closes their live connections without their last wills (a
   * revoked session does nothing more, and a will is published after the fact), then clears what
   * the broker keeps for their devices — the retained device presence (the presence service reads
   * the empty message as "gone"), the persistent session's subscriptions and queue.
   */
  function endSessions(sessionIds: readonly string[], reason: string): number {
    let closed = 0;
    for (const sessionId of sessionIds) {
      const closing: Promise<void>[] = [];
      for (const client of bySession.get(sessionId) ?? []) {
        log.info({ ...describe(client), sessionId, reason }, 'closing a connection: session ended');
        dropWill(client);
        closing.push(new Promise<void>((resolve) => client.close(() => resolve())));
        closed++;
      }
      bySession.delete(sessionId);
      const devices = devicesOf.get(sessionId);
      devicesOf.delete(sessionId);
      if (devices) void Promise.all(closing).then(() => forgetDevices(sessionId, devices.username, devices.clientIds));
    }
    return closed;
  }

  /** One change of a private room's members; a removal also ends the member's subscriptions to it. */
  function applyRoomAccess(event: RoomAccessEvent): void {
    if (roomAccess.apply(event) === 'full') {
      log.warn({ room: event.r, username: event.u, max: ROOM_MEMBERS_MAX }, 'private room: member not added, the room is full in the broker');
      return;
    }
    if (event.on) {
      log.debug({ room: event.r, username: event.u }, 'private room: member added');
      return;
    }
    const ended = endRoomSubscriptions(event.r, event.u);
    log.info({ room: event.r, username: event.u, subscriptions: ended }, 'private room: member removed');
  }

  /**
   * A member removed from a private room stops getting it at once. The delivery check
   * (authorizeForward → canReceive) already drops every later packet; this also takes the
   * subscription out of aedes' routing for their connected clients — Client#unsubscribe without
   * a message id runs aedes' own unsubscribe handler (route removed, `client.subscriptions`
   * updated, no UNSUBACK sent to a client that asked for nothing) — and out of the stored
   * subscriptions of their persistent sessions, connected or not, so no queue fills with
   * messages it may not deliver. Costs one pass over the live sessions and the sessions' devices.
   */
  function endRoomSubscriptions(room: string, username: string): number {
    const topic = topics.room(room);
    let ended = 0;
    for (const clients of bySession.values()) {
      for (const client of clients) {
        const identity = identities.get(client);
        if (identity?.kind !== 'user' || identity.username !== username || client.closed) continue;
        if (!(client as Client & { subscriptions: Record<string, unknown> }).subscriptions[topic]) continue;
        client.unsubscribe({ unsubscriptions: [topic] } as unknown as Parameters<Client['unsubscribe']>[0], (err) => {
          if (err) log.warn({ err, ...describe(client), room }, 'could not end a subscription to a private room');
        });
        ended++;
      }
    }
    for (const devices of devicesOf.values()) {
      if (devices.username !== username) continue;
      for (const clientId of devices.clientIds) {
        persistence.tidings
          .forgetSubscription(clientId, topic)
          .catch((err: unknown) => log.warn({ err, clientId, room }, 'could not forget a stored subscription'));
      }
    }
    return ended;
  }

  /** aedes publishes `client.will` when the connection goes; clearing it first means no will. */
  function dropWill(client: Client): void {
    const c = client as Client & { will?: unknown; _will?: unknown };
    c.will = null;
    c._will = null;
  }

  async function forgetDevices(sessionId: string, username: string, clientIds: Iterable<string>): Promise<void> {
    for (const clientId of clientIds) {
      // Another session connected as this device since: its state is that session's now.
      if (sessionOfClientId.get(clientId) !== sessionId) continue;
      sessionOfClientId.delete(clientId);
      if ((aedes as Aedes & { clients: Record<string, Client | undefined> }).clients[clientId]) continue;
      try {
        await new Promise<void>((resolve) =>
          aedes.publish({ cmd: 'publish', topic: topics.devicePresence(username, clientId), payload: Buffer.alloc(0), qos: 0, retain: true, dup: false }, () =>
            resolve(),
          ),
        );
        await persistence.tidings.forgetClient(clientId);
      } catch (err) {
        log.warn({ err, clientId }, "could not clear the state of an ended session's device");
      }
    }
  }

  const hooks: Partial<AedesOptions> = {
    preConnect(client, packet, callback) {
      const where = remoteAddresses.get(client.conn);
      const address = where?.address ?? 'unknown';
      const decided = clusterAttempts && isCapped(address) ? undefined : allowAttempt(address);
      if (decided === false) throttled.add(client);
      if (packet.clientId === '') emptyClientId.set(client, packet.clean ?? true);
      if (packet.will) {
        const payload = packet.will.payload;
        willOf.set(client, {
          topic: packet.will.topic,
          payload: Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload ?? '')),
          retain: packet.will.retain ?? false,
        });
      }
      if (decided !== undefined || !clusterAttempts) return callback(null, true);
      clusterAttempts.count(address).then(
        (n) => {
          if (n > limits.connectionAttemptsPerMinute) throttled.add(client);
          callback(null, true);
        },
        (err: unknown) => {
          log.warn({ err }, 'could not count a connection attempt in Redis: counting it in this broker');
          if (!allowAttempt(address)) throttled.add(client);
          callback(null, true);
        },
      );
    },
  };

  if (!authOn) {
    // An open broker still keeps the connection cap (set it to 0 for load tests from one host).
    hooks.authenticate = (client, _username, _password, callback) => {
      // MQTT 3.1.1 [MQTT-3.1.3-8]: an empty client id asks the server to assign one, which only
      // a clean session may do (aedes assigns one either way).
      if (emptyClientId.get(client) === false) {
        log.info(describe(client), 'refused a connection: empty client id with a persistent session');
        return callback(authError(ReturnCode.IDENTIFIER_REJECTED, 'empty client id with a persistent session'), null);
      }
      if (!throttled.has(client)) return callback(null, true);
      log.info(describe(client), 'refused a connection: too many connection attempts from this address');
      callback(authError(ReturnCode.SERVER_UNAVAILABLE, 'too many connection attempts from this address'), null);
    };
  } else {
    hooks.authenticate = (client, username, password, callback) => {
      const fail = (returnCode: number, reason: string) => {
        log.info(
          { ...describe(client), username: username?.startsWith('svc:') ? username : username?.toLowerCase(), returnCode, reason },
          'refused a connection',
        );
        callback(authError(returnCode, reason), null);
      };
      // The cap is counted in preConnect; refusing here is what lets the client read a CONNACK.
      if (throttled.has(client)) return fail(ReturnCode.SERVER_UNAVAILABLE, 'too many connection attempts from this address');
      // Our client ids carry the identity (g:…, <username>:<device>, svc:…): none is empty, and
      // the id aedes made up for an empty one must not be judged in its place.
      if (emptyClientId.has(client)) return fail(ReturnCode.IDENTIFIER_REJECTED, 'empty client id');
      authenticator({ clientId: client.id, clean: client.clean, username, password }).then(
        (verdict) => {
          if (verdict.refused) return fail(verdict.returnCode, verdict.reason);
          const identity = verdict.identity;
          const will = willOf.get(client);
          if (will && !canWill(identity, will))
            return fail(
              ReturnCode.NOT_AUTHORIZED,
              identity.kind === 'user' ? 'last will other than 0 on the own device topic' : 'last will not allowed for this identity',
            );
          if (identity.kind === 'user') {
            if (recentlyRevoked.has(identity.sessionId)) return fail(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'session revoked');
            let devices = devicesOf.get(identity.sessionId);
            if (!devices) devicesOf.set(identity.sessionId, (devices = { username: identity.username, expiresAt: identity.expiresAt, clientIds: new Set() }));
            const tooMany = `this session is in use on ${limits.maxDevicesPerSession} devices already`;
            if (!devices.clientIds.has(identity.clientId) && devices.clientIds.size >= limits.maxDevicesPerSession)
              return fail(ReturnCode.NOT_AUTHORIZED, tooMany);
            const known = devices.clientIds;
            const accept = () => {
              known.add(identity.clientId);
              sessionOfClientId.set(identity.clientId, identity.sessionId);
              let set = bySession.get(identity.sessionId);
              if (!set) bySession.set(identity.sessionId, (set = new Set()));
              set.add(client);
              identities.set(client, identity);
              callback(null, true);
            };
            if (!clusterDevices || known.has(identity.clientId)) return accept();
            clusterDevices.admit(identity.sessionId, identity.clientId, identity.expiresAt, limits.maxDevicesPerSession).then(
              (admitted) => {
                if (recentlyRevoked.has(identity.sessionId)) return fail(ReturnCode.BAD_USERNAME_OR_PASSWORD, 'session revoked');
                if (!admitted) return fail(ReturnCode.NOT_AUTHORIZED, tooMany);
                accept();
              },
              (err: unknown) => {
                log.warn({ err }, "could not count a session's devices in Redis: counting them in this broker");
                accept();
              },
            );
            return;
          }
          identities.set(client, identity);
          callback(null, true);
        },
        (err: unknown) => {
          log.error({ err, clientId: client.id }, 'authentication failed unexpectedly');
          callback(authError(ReturnCode.SERVER_UNAVAILABLE, 'authentication error'), null);
        },
      );
    };

    hooks.authorizePublish = (client, packet, callback) => {
      const identity = client ? identities.get(client) : undefined;
      if (!client || !identity) return callback(new Error('publish without a verified identity'));
      if (!canPublish(identity, packet.topic)) {
        log.info({ ...describe(client), topic: packet.topic }, 'refused a publish: topic not allowed; closing the connection');
        return callback(new Error('not authorized to publish on this topic'));
      }
      if (packet.retain && !canRetain(identity, packet.topic)) {
        log.info({ ...describe(client), topic: packet.topic }, 'refused a publish: retain not allowed; closing the connection');
        return callback(new Error('not authorized to retain messages'));
      }
      if (isOwnDeviceTopic(identity, packet.topic) && !isDevicePresencePayload(packet.payload as Buffer)) {
        log.info(
          { ...describe(client), topic: packet.topic, bytes: packet.payload.length },
          'refused a publish: a device topic carries 1 or 0; closing the connection',
        );
        return callback(new Error('a device topic carries 1 or 0'));
      }
      // A will too comes through here, as the connection goes: nothing of a revoked session passes.
      if (identity.kind === 'user' && recentlyRevoked.has(identity.sessionId)) {
        log.info({ ...describe(client), topic: packet.topic }, 'refused a publish: session revoked');
        return callback(new Error('session revoked'));
      }
      callback(null);
    };

    hooks.authorizeSubscribe = (client, sub, callback) => {
      const identity = identities.get(client);
      if (!identity || !canSubscribe(identity, sub.topic, roomAccess)) {
        log.info({ ...describe(client), filter: sub.topic }, 'refused a subscription');
        return callback(null, null);
      }
      callback(null, sub);
    };

    // Subscriptions are checked exactly, so a live delivery passes this unless something changed
    // since: a member removed from a private room (their subscription may outlive it, and a
    // persistent session's restored one is never re-checked by aedes), messages queued for a
    // persistent session (aedes stores a SUBSCRIBE packet's whole filter list, refused filters
    // included, and queues by it), anything a later rule change leaves in a stored session.
    // Every packet to every client passes here: it reads memory only (the private rooms too).
    hooks.authorizeForward = (client, packet) => {
      const identity = identities.get(client);
      if (identity && canReceive(identity, packet.topic, roomAccess)) return packet;
      return null;
    };
  }

  function handleConnection(stream: Duplex, address: string, transport: Transport): void {
    openStreams.add(stream);
    stream.on('close', () => openStreams.delete(stream));
    const guarded = guardPackets(stream, limits.maxPacketSize, (err) => {
      const client = (guarded as Duplex & { client?: Client }).client;
      log.info({ ...(client ? describe(client) : { address, transport }), err: err.message }, 'closed a connection: packet too large');
    });
    remoteAddresses.set(guarded, { address, transport });
    aedes.handle(guarded);
  }

  const staticHandler = options.staticDir ? createStaticHandler(options.staticDir) : undefined;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify({
        status: 'ok',
        uptimeSeconds: Math.floor((now() - startedAt) / 1000),
        connections: aedes.connectedClients,
        services: Object.fromEntries([...serviceStates].sort(([a], [b]) => a.localeCompare(b))),
      });
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (options.httpHandler?.(req, res)) return;
    const notFound = () => {
      if (res.headersSent) return;
      res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    };
    if (!staticHandler) return notFound();
    staticHandler(req, res).then(
      (answered) => answered || notFound(),
      (err: unknown) => {
        log.error({ err }, 'static file error');
        notFound();
      },
    );
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(4 * limits.maxPacketSize, 1024 * 1024) });
  /** Streams that came through a PROXY header → the client's address it named. */
  const proxiedAddresses = new WeakMap<object, string>();
  const remoteOf = (req: http.IncomingMessage): string => {
    const proxied = proxiedAddresses.get(req.socket);
    if (proxied !== undefined) return proxied;
    if (options.trustProxy) {
      const forwarded = req.headers['x-forwarded-for'];
      const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').at(-1)?.trim();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? 'unknown';
  };
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== '/mqtt') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      handleConnection(stream, remoteOf(req), options.tls ? 'wss' : 'ws');
    });
  };

  // Behind the PROXY protocol each port is a plain TCP server that reads the header first, then
  // hands the connection on (TLS done here, on the stream after the header).
  const proxied = options.proxyProtocol === true;
  const secureContext = options.tls && proxied ? tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key }) : undefined;
  const httpServer = options.tls && !proxied ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest);
  httpServer.on('upgrade', onUpgrade);
  const tlsServer = options.tls
    ? proxied
      ? net.createServer()
      : tls.createServer({ cert: options.tls.cert, key: options.tls.key }, (socket) => {
          socket.setNoDelay(true);
          handleConnection(socket, socket.remoteAddress ?? 'unknown', 'tls');
        })
    : undefined;
  /** Connections still waiting for their PROXY header (closed with the broker). */
  const awaitingHeader = new Set<net.Socket>();
  const acceptProxied = (port: 'mqtt' | 'mqtts' | 'http') => (socket: net.Socket) => {
    awaitingHeader.add(socket);
    readProxyHeader(socket, limits.connectTimeout).then(
      ({ address, rest }) => {
        awaitingHeader.delete(socket);
        if (socket.destroyed) return;
        socket.setNoDelay(true);
        if (port === 'mqtt') {
          if (rest.length > 0) socket.unshift(rest);
          handleConnection(socket, address, 'tcp');
          return;
        }
        // TLS and the HTTP parser read a socket's handle directly: bytes after the header go in a wrapper.
        const stream = rest.length > 0 ? withPrepended(socket, rest) : socket;
        const inner = secureContext ? new tls.TLSSocket(stream, { isServer: true, secureContext }) : stream;
        if (inner instanceof tls.TLSSocket) inner.on('error', (err: Error) => log.debug({ address, err: err.message }, 'TLS error'));
        if (port === 'mqtts') {
          handleConnection(inner, address, 'tls');
          return;
        }
        proxiedAddresses.set(inner, address);
        httpServer.emit('connection', inner);
      },
      (err: Error) => {
        awaitingHeader.delete(socket);
        log.info({ address: socket.remoteAddress, port, err: err.message }, 'closed a connection: no valid PROXY header');
        socket.destroy();
      },
    );
  };
  const tcpServer = net.createServer(
    proxied
      ? acceptProxied('mqtt')
      : (socket) => {
          socket.setNoDelay(true);
          handleConnection(socket, socket.remoteAddress ?? 'unknown', 'tcp');
        },
  );
  const httpFront = proxied ? net.createServer(acceptProxied('http')) : httpServer;
  if (proxied) tlsServer?.on('connection', acceptProxied('mqtts'));
  tlsServer?.on('tlsClientError', (err: Error) => log.debug({ err: err.message }, 'TLS handshake failed'));
  httpServer.on('tlsClientError', (err: Error) => log.debug({ err: err.message }, 'TLS handshake failed'));

  // The servers exist before aedes (a bad TLS key throws here, with nothing to clean up yet);
  // they reach aedes only through handleConnection, after they listen.
  const persistenceOptions: PersistenceOptions = {
    queue: { maxMessages: limits.maxQueuedMessages, maxBytes: limits.maxQueuedBytes },
    onQueueFull: (clientId, bounds) =>
      log.info({ clientId, ...bounds }, "a persistent session's queue is full: dropping its oldest messages (the client fills gaps from history)"),
    // A persistent session keeps only the filters the ACL granted (aedes would keep refused ones too).
    keepSubscription: (client, filter) => {
      if (!authOn) return true;
      const identity = identities.get(client as Client);
      return identity !== undefined && canSubscribe(identity, filter, roomAccess);
    },
  };
  const persistence = options.redis
    ? redisPersistence(options.redis, persistenceOptions, (err) => log.warn({ err }, 'Redis error (persistence)'))
    : indexedMemoryPersistence(persistenceOptions);
  // Without a callback: the callback form waits for a 'ready' that aedes 1.x (which awaits setup()) never causes.
  const destroyPersistence = async () => {
    if (options.redis)
      await (persistence.destroy as unknown as () => Promise<void>)().catch((err: unknown) => log.warn({ err }, 'could not close the Redis persistence'));
  };
  const mq = options.redis ? redisEmitter(options.redis, (err) => log.warn({ err }, 'Redis error (routing)')) : undefined;
  let aedes: Aedes;
  try {
    aedes = await Aedes.createBroker({
      persistence,
      ...(mq ? { mq } : {}),
      maxTopicLevels: limits.maxTopicLevels,
      maxInflightInbound: limits.maxInflightInbound,
      drainTimeout: limits.drainTimeout,
      connectTimeout: limits.connectTimeout,
      queueLimit: limits.queueLimit,
      ...hooks,
    });
  } catch (err) {
    if (mq) await new Promise<void>((resolve) => mq.close(() => resolve()));
    await destroyPersistence();
    await clusterAttempts?.close();
    await clusterDevices?.close();
    throw new Error('startBroker: could not start aedes' + (options.redis ? ' (is Redis reachable at TIDINGS_REDIS_URL?)' : ''), { cause: err });
  }

  // On Redis the steps before routing take a different time per packet: keep aedes' numbering order.
  let passedOver = 0;
  if (mq)
    routeInCounterOrder(aedes as unknown as Parameters<typeof routeInCounterOrder>[0], mq as unknown as Parameters<typeof routeInCounterOrder>[1], {
      onPassedOver: (topic) => {
        if (passedOver++ % 100 === 0) log.warn({ topic, times: passedOver }, 'a packet took over 1 s to route: the later ones went first');
      },
    });
  aedes.on('clientReady', (client) => log.info(describe(client), 'client connected'));
  aedes.on('clientDisconnect', (client) => {
    log.info(describe(client), 'client disconnected');
    const identity = identities.get(client);
    if (identity?.kind === 'user') {
      const set = bySession.get(identity.sessionId);
      set?.delete(client);
      if (set?.size === 0) bySession.delete(identity.sessionId);
    }
  });
  aedes.on('clientError', (client, err) => log.info({ ...describe(client), err: err.message }, 'client error'));
  aedes.on('connectionError', (client, err) => log.debug({ ...describe(client), err: err.message }, 'connection error before CONNECT'));

  // Private rooms (followRoomAccess): subscribe to chat-store's changes, read the database, then
  // apply what came during the read. Without the private rooms the ACL would take them for
  // public: no load, no broker.
  if (authOn) {
    try {
      const t0 = performance.now();
      const during = await followRoomAccess({
        map: roomAccess,
        subscribe: (deliver) =>
          subscribeInProcess(aedes, topics.roomAccess, (packet) => {
            let event: RoomAccessEvent;
            try {
              const parsed = RoomAccessEvent.safeParse(JSON.parse(packet.payload.toString('utf8')));
              if (!parsed.success) throw new Error(parsed.error.message);
              event = parsed.data;
            } catch (err) {
              log.warn({ err: (err as Error).message }, 'ignored a malformed room-access event');
              return;
            }
            deliver(event);
          }),
        load: () => loadPrivateRooms(options.db!),
        apply: applyRoomAccess,
      });
      log.info({ ...roomAccess.size(), ms: Math.round(performance.now() - t0), during }, 'private rooms loaded');
    } catch (err) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await destroyPersistence();
      await clusterAttempts?.close();
      await clusterDevices?.close();
      throw new Error('startBroker: could not load the private rooms', { cause: err });
    }
  }

  await subscribeInProcess(aedes, topics.sessionRevoked, (packet) => {
    let event: SessionRevokedEvent;
    try {
      const parsed = SessionRevokedEvent.safeParse(JSON.parse(packet.payload.toString('utf8')));
      if (!parsed.success) throw new Error(parsed.error.message);
      event = parsed.data;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'ignored a malformed session-revoked event');
      return;
    }
    const t = now();
    for (const id of event.sessionIds) recentlyRevoked.set(id, t);
    clusterDevices?.forget(event.sessionIds).catch((err: unknown) => log.warn({ err }, "could not forget a revoked session's devices in Redis"));
    const closed = endSessions(event.sessionIds, event.reason);
    log.info({ username: event.username, reason: event.reason, sessions: event.sessionIds.length, closed }, 'sessions revoked');
  });

  await subscribeInProcess(aedes, topics.serviceHealthFilter, (packet) => {
    const service = packet.topic.split('/').at(-1) ?? '';
    if (packet.payload.length === 0) {
      serviceStates.delete(service);
      return;
    }
    try {
      const health = ServiceHealth.parse(JSON.parse(packet.payload.toString('utf8')));
      if (serviceStates.get(service) !== health.status) log.info({ subject: service, status: health.status }, 'service health');
      serviceStates.set(service, health.status);
    } catch {
      log.warn({ subject: service }, 'ignored a malformed health message');
    }
  });

  const sweep = () => {
    const t = now();
    const expired = new Set<string>();
    for (const [sessionId, clients] of bySession) {
      for (const client of clients) {
        const identity = identities.get(client);
        if (client.closed) clients.delete(client);
        else if (identity?.kind === 'user' && identity.expiresAt <= t) expired.add(sessionId);
      }
      if (clients.size === 0) bySession.delete(sessionId);
    }
    for (const [sessionId, devices] of devicesOf) if (devices.expiresAt <= t) expired.add(sessionId);
    if (expired.size > 0) endSessions([...expired], 'expired');
    for (const [id, at] of recentlyRevoked) if (at <= t - REVOKED_MEMORY_MS) recentlyRevoked.delete(id);
    for (const [address, list] of attempts) if (list.every((at) => at <= t - 60_000)) attempts.delete(address);
  };
  const sweepTimer = limits.sessionSweepMs > 0 ? setInterval(sweep, limits.sessionSweepMs) : undefined;
  sweepTimer?.unref();

  const listening: net.Server[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      if (sweepTimer) clearInterval(sweepTimer);
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await destroyPersistence(); // aedes closes its mq, not its persistence
      await clusterAttempts?.close();
      await clusterDevices?.close();
      await recordingSeen; // the database is closed after the broker
      for (const stream of openStreams) stream.destroy();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      httpServer.closeAllConnections();
      for (const socket of awaitingHeader) socket.destroy();
      await Promise.all(listening.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    })());

  try {
    const mqttPort = await listen(tcpServer, options.mqttPort, host, 'TIDINGS_MQTT_PORT');
    listening.push(tcpServer);
    const httpPort = await listen(httpFront, options.httpPort, host, 'TIDINGS_HTTP_PORT');
    listening.push(httpFront);
    let mqttsPort: number | undefined;
    if (tlsServer && options.tls) {
      mqttsPort = await listen(tlsServer, options.tls.mqttsPort, host, 'TIDINGS_MQTTS_PORT');
      listening.push(tlsServer);
    }
    const connectHost = urlHost(host);
    const broker: RunningBroker = {
      aedes,
      mqttPort,
      httpPort,
      url: `mqtt://${connectHost}:${mqttPort}`,
      wsUrl: `${options.tls ? 'wss' : 'ws'}://${connectHost}:${httpPort}/mqtt`,
      close,
      connectedClients: () => aedes.connectedClients,
      queued: (clientId) => persistence.tidings.queued(clientId),
      retainedCount: () => persistence.tidings.retainedCount(),
      privateRooms: () => roomAccess.size(),
    };
    if (mqttsPort !== undefined) {
      broker.mqttsPort = mqttsPort;
      broker.mqttsUrl = `mqtts://${connectHost}:${mqttsPort}`;
    }
    log.info({ auth: authOn, mqttPort, httpPort, mqttsPort, proxyProtocol: proxied, limits }, 'broker listening');
    return broker;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Where a local client connects: the loopback address for a wildcard host, else the host. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: net.Server, port: number, host: string, variable: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new Error(`port ${port} is already in use: set ${variable} to a free port`, { cause: err }));
      else if (err.code === 'EACCES') reject(new Error(`no permission to listen on port ${port}: set ${variable} to a port above 1023`, { cause: err }));
      else reject(new Error(`cannot listen on ${host}:${port} (${variable}): ${err.message}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function subscribeInProcess(aedes: Aedes, topic: string, onMessage: (packet: AedesPublishPacket) => void): Promise<void> {
  return new Promise((resolve) =>
    aedes.subscribe(
      topic,
      (packet, done) => {
        try {
          onMessage(packet);
        } finally {
          done();
        }
      },
      () => resolve(),
    ),
  );
}
