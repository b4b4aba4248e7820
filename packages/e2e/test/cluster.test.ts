import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConversationLog, connectUser, isNotConfirmed, type Connection } from '@tidings/client';
import { migrate, openDatabase, type Database } from '@tidings/db';
import { ConversationEvent, topics } from '@tidings/protocol';
import { loadOrCreateServiceCredentials } from '@tidings/service-kit';
import {
  closedByBroker,
  connectRaw,
  createTempPostgresDatabase,
  createUserSession,
  freePort,
  haproxyTestConfig,
  runServiceProcess,
  waitUntil,
  type BrokerProcess,
  type ServiceProcess,
  type TempPostgresDatabase,
} from '@tidings/testkit';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';

/**
 * Issue 12, "Past one machine": the whole system as a cluster of real processes — two brokers on
 * one Redis behind HAProxy, one PostgreSQL database, two instances of every service
 * (`TIDINGS_STANDBY=on`: one leads, one waits). Ten clients, half entering through a front door
 * that prefers broker A and half through one that prefers broker B (each falls back to the
 * other: the traffic is HAProxy's), send 1,000 messages, each resent with the same id until
 * acknowledged, while broker A and then the leading chat-store are killed with SIGKILL. Every
 * acknowledged message is stored exactly once with gap-free sequence numbers, every member
 * holds all of them in order, and a session revoked through broker A is disconnected on broker B.
 */

const root = path.resolve(import.meta.dirname, '../../..');
const SERVICES = ['auth', 'chat-store', 'chat-query', 'likes', 'presence', 'security-questions'] as const;
const CLIENTS = 10;
const PER_CLIENT = 100;
const TOTAL = CLIENTS * PER_CLIENT;

const postgres = process.env.TEST_POSTGRES_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0;
const missing = [!haproxy && 'haproxy is not installed', !postgres && 'TEST_POSTGRES_URL is unset', !redisUrl && 'TEST_REDIS_URL is unset'].filter(Boolean);
if (missing.length > 0) console.log(`skipping the cluster test: ${missing.join(', ')}`);

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

/** HAProxy for the run: the services' door over both brokers in turn, and a door for each broker with the other as its backup. */
function haproxyConfig(ports: { services: number; frontA: number; frontB: number }, a: BrokerProcess, b: BrokerProcess): string {
  const A = { name: 'a', broker: a };
  const B = { name: 'b', broker: b };
  return haproxyTestConfig([
    { name: 'services', port: ports.services, brokers: [A, B], balance: true },
    { name: 'front_a', port: ports.frontA, brokers: [A, B] },
    { name: 'front_b', port: ports.frontB, brokers: [B, A] },
  ]);
}

/** Resolves when something accepts a TCP connection on the port. */
function tcpOpen(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

async function connectionsOf(broker: BrokerProcess): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${broker.httpPort}/healthz`);
  return ((await res.json()) as { connections: number }).connections;
}

const t0 = performance.now();
/** A line of progress, with the seconds since the file loaded (the machine may be slow: where did the time go). */
const phase = (what: string) => console.log(`cluster test, ${((performance.now() - t0) / 1000).toFixed(1)} s: ${what}`);

it.runIf(missing.length === 0)(
  'keeps every acknowledged message once and in order across a killed broker and a killed chat-store',
  async () => {
    // PostgreSQL: a database of the run's own. Redis: a key prefix of the run's own.
    const pg: TempPostgresDatabase = await createTempPostgresDatabase(postgres!);
    cleanups.push(() => pg.drop());
    await migrate(pg.url);
    const db: Database = await openDatabase(pg.url);
    cleanups.push(() => db.close());
    const prefix = `test-e2e-cluster-${randomBytes(6).toString('hex')}`;
    cleanups.push(async () => {
      const redis = new Redis(redisUrl!);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tidings-e2e-cluster-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    loadOrCreateServiceCredentials(dataDir); // made once, before any process reads it
    const clusterEnv = { TIDINGS_REDIS_URL: redisUrl!, TIDINGS_REDIS_PREFIX: prefix, TIDINGS_LOG_LEVEL: 'info' };

    // Two brokers; the per-address connection cap is off (every client comes from HAProxy's address).
    const procs: ServiceProcess[] = [];
    cleanups.push(() => procs.forEach((p) => p.kill()));
    const brokerEnv = { ...clusterEnv, TIDINGS_MAX_CONNECTS_PER_MINUTE: '0' };
    const startBroker = async (): Promise<BrokerProcess> => {
      const [mqttPort, httpPort] = [await freePort(), await freePort()];
      const env = {
        ...brokerEnv,
        TIDINGS_DATA_DIR: dataDir,
        DATABASE_URL: pg.url,
        TIDINGS_HOST: '127.0.0.1',
        TIDINGS_MQTT_PORT: String(mqttPort),
        TIDINGS_HTTP_PORT: String(httpPort),
      };
      const proc = runServiceProcess({ script: path.join(root, 'apps/broker/dist/main.js'), env });
      procs.push(proc);
      await proc.waitFor('"msg":"broker listening"', 60_000);
      return { ...proc, url: `mqtt://127.0.0.1:${mqttPort}`, mqttPort, httpPort, env };
    };
    const [a, b] = await Promise.all([startBroker(), startBroker()]);
    phase('brokers listening');

    // HAProxy cannot listen on port 0: ports found free a moment before.
    const ports = { services: await freePort(), frontA: await freePort(), frontB: await freePort() };
    const cfg = path.join(dataDir, 'haproxy.cfg');
    await writeFile(cfg, haproxyConfig(ports, a, b));
    const proxy: ChildProcess = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let proxyOutput = '';
    proxy.stdout!.on('data', (d: Buffer) => (proxyOutput += d.toString()));
    proxy.stderr!.on('data', (d: Buffer) => (proxyOutput += d.toString()));
    cleanups.push(() => void proxy.kill('SIGKILL'));
    await waitUntil('HAProxy listening', async () => {
      if (proxy.exitCode !== null) throw new Error(`haproxy exited: ${proxyOutput}`);
      await Promise.all(Object.values(ports).map((port) => tcpOpen(port)));
      return true;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${proxyOutput}`);
    });

    phase('HAProxy listening');
    // Two instances of every service, all through HAProxy, all with a standby.
    const serviceEnv = {
      ...clusterEnv,
      TIDINGS_DATA_DIR: dataDir,
      DATABASE_URL: pg.url,
      TIDINGS_MQTT_URL: `mqtt://127.0.0.1:${ports.services}`,
      TIDINGS_STANDBY: 'on',
      TIDINGS_SEND_RATE: '10000',
      TIDINGS_SEND_BURST: '100000',
      TIDINGS_RECOVERY_KEY: 'e2e-cluster-recovery-key-0123456789abcdef',
    };
    const instances = new Map<string, ServiceProcess[]>();
    for (const name of SERVICES) {
      const script = path.join(root, 'apps', name, 'dist/main.js');
      const pair = [runServiceProcess({ script, env: serviceEnv }), runServiceProcess({ script, env: serviceEnv })];
      procs.push(...pair);
      instances.set(name, pair);
    }
    const leaderOf = (name: string) => instances.get(name)!.find((p) => p.output().includes('leading: starting to serve'));
    // Twelve node processes starting at once: on a loaded machine that takes a while.
    const waiting = setInterval(() => {
      const silent = [...instances].flatMap(([name, pair]) =>
        pair.filter((p) => !p.output().includes('lead')).map((p) => `${name} (pid ${p.child.pid}, ${p.output().length} bytes of output)`),
      );
      if (silent.length > 0) phase(`waiting for ${silent.join(', ')}`);
    }, 10_000);
    cleanups.push(() => clearInterval(waiting));
    await Promise.all(
      SERVICES.map(async (name) => {
        const pair = instances.get(name)!;
        const leader = await waitUntil(`a leading ${name}`, async () => leaderOf(name), 90_000).catch((err: Error) => {
          throw new Error(`${err.message}:\n${pair.map((p) => p.output().slice(-2000)).join('\n---\n')}`);
        });
        await pair.find((p) => p !== leader)!.waitFor('standby: waiting to lead', 90_000);
      }),
    );
    await waitUntil('every service up on both brokers', async () => {
      for (const broker of [a, b]) {
        const body = (await (await fetch(`http://127.0.0.1:${broker.httpPort}/healthz`)).json()) as { services: Record<string, string> };
        if (!SERVICES.every((s) => body.services[s] === 'up')) return undefined;
      }
      return true;
    });

    phase('every service leading or standing by, up on both brokers');
    // Ten members of `general`: 0–4 through the door of broker A, 5–9 through B's. Each keeps a
    // ConversationLog of the room's live events and fills gaps from history on every reconnect.
    const open: Connection[] = [];
    cleanups.push(() => Promise.all(open.map((c) => c.close())).then(() => {}));
    const before = { a: await connectionsOf(a), b: await connectionsOf(b) };
    const members = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const username = `user${i}`;
        const session = await createUserSession({ db }, username, { device: 'laptop' });
        const log = new ConversationLog();
        const url = `mqtt://127.0.0.1:${i < CLIENTS / 2 ? ports.frontA : ports.frontB}`;
        const reconnects: number[] = [];
        const live = new Set<number>(); // sequence numbers of the message events that arrived live
        const conn = await connectUser(
          { url, onClient: (client) => client.on('connect', () => reconnects.push(performance.now())) },
          { username, token: session.token, device: 'laptop' },
        );
        open.push(conn);
        let filling: Promise<void> | undefined;
        const gapFill = () =>
          (filling ??= (async () => {
            for (;;) {
              const page = await conn.request('chat.history', { c: 'general', after: log.high, limit: 100 }, { timeoutMs: 60_000 });
              log.addHistory(page.messages, page.lastSeq);
              if (!page.more) break;
            }
          })().finally(() => (filling = undefined)));
        conn.client.on('message', (topic, payload) => {
          if (topic !== topics.room('general')) return;
          const event = ConversationEvent.parse(JSON.parse(payload.toString()));
          if (event.t === 'm') live.add(event.s);
          log.apply(event);
          // A live message past a hole (one lost on the way): fill it now, as the CLI's watcher
          // and the web app do, rather than at the next reconnect.
          if (log.hasGap) void gapFill().catch(() => {});
        });
        // A later connection (after the broker was killed): fill what was missed meanwhile.
        conn.client.on('connect', () => void gapFill().catch(() => {}));
        await conn.request('room.join', { name: 'general' });
        await conn.client.subscribeAsync(topics.room('general'), { qos: 1 });
        return { username, conn, log, reconnects, onA: i < CLIENTS / 2, live, acks: [] as { at: number; sentAt: number }[] };
      }),
    );
    // Each door led to its broker: five new connections on each.
    expect({ a: (await connectionsOf(a)) - before.a, b: (await connectionsOf(b)) - before.b }).toEqual({ a: 5, b: 5 });

    phase('ten members connected');
    // A revocation through broker A disconnects a session held on broker B.
    const owner = await createUserSession({ db }, 'eve', { device: 'laptop' });
    const stolen = await createUserSession({ db }, 'eve', { device: 'thief' });
    const ownerConn = await connectUser({ url: `mqtt://127.0.0.1:${ports.frontA}` }, { username: 'eve', token: owner.token, device: 'laptop' });
    open.push(ownerConn);
    const onB = await connectRaw(`mqtt://127.0.0.1:${ports.frontB}`, { clientId: 'eve:thief', username: 'eve', password: stolen.token });
    cleanups.push(() => void onB.end(true));
    expect({ a: (await connectionsOf(a)) - before.a, b: (await connectionsOf(b)) - before.b }).toEqual({ a: 6, b: 6 });
    const disconnected = closedByBroker({ client: onB });
    const revokedAt = performance.now();
    expect(await ownerConn.request('auth.revoke', { sessionId: stolen.sessionId })).toEqual({ revoked: true });
    await disconnected;
    const revocationMs = performance.now() - revokedAt;
    phase('revocation done');

    // 1,000 messages, 100 from each member in turn; every one resent with the same id until its
    // ack comes. Broker A is killed after 300 acks, the leading chat-store after 650.
    const acked = new Map<string, number>(); // id → seq
    let ackCount = 0;
    const kills: { broker?: number; chatStore?: number } = {};
    const sending = Promise.all(
      members.map(async (m, ci) => {
        for (let i = 0; i < PER_CLIENT; i++) {
          const id = `${ci}-${i}-${randomUUID()}`;
          const sentAt = performance.now();
          for (;;) {
            try {
              const ack = await m.conn.request('chat.send', { c: 'general', x: `from ${ci}: ${i}` }, { id, timeoutMs: 20_000 });
              acked.set(id, ack.s);
              m.acks.push({ at: performance.now(), sentAt });
              ackCount++;
              break;
            } catch (err) {
              if (!isNotConfirmed(err)) throw err;
            }
          }
        }
      }),
    );
    await waitUntil('300 acks', async () => (ackCount >= 300 ? true : undefined), 60_000);
    a.child.kill('SIGKILL');
    kills.broker = performance.now();
    phase('broker A killed');
    // The chat-store is killed once every member of broker A has been served again through B.
    await waitUntil(
      '650 acks, and every member of A acknowledged through B',
      async () => (ackCount >= 650 && members.every((m) => m.acks.some((x) => x.at > kills.broker!)) ? true : undefined),
      60_000,
    );
    const chatStore = leaderOf('chat-store')!;
    const standby = instances.get('chat-store')!.find((p) => p !== chatStore)!;
    chatStore.child.kill('SIGKILL');
    kills.chatStore = performance.now();
    phase('chat-store leader killed');
    await sending;
    phase('1,000 acknowledged');

    // Failover times: for broker A's members, from the kill to their first ack through B (and
    // their reconnection); for the chat-store, from the kill to the first ack of a send begun after it.
    const brokerFailover = Math.max(...members.filter((m) => m.onA).map((m) => m.acks.find((x) => x.at > kills.broker!)!.at - kills.broker!));
    const reconnected = Math.max(...members.filter((m) => m.onA).map((m) => m.reconnects.find((t) => t > kills.broker!)! - kills.broker!));
    const storeFailover = Math.min(...members.flatMap((m) => m.acks.filter((x) => x.sentAt > kills.chatStore!).map((x) => x.at))) - kills.chatStore;
    console.log(
      `cluster failover: broker A SIGKILLed → its 5 members reconnected through HAProxy to B within ${Math.round(reconnected)} ms, ` +
        `each acknowledged again within ${Math.round(brokerFailover)} ms; chat-store leader SIGKILLed → the first send begun after it ` +
        `acknowledged ${Math.round(storeFailover)} ms later; a revocation through A closed the session on B in ${Math.round(revocationMs)} ms`,
    );

    expect(standby.output()).toContain('leading: starting to serve');
    // Stored: each acknowledged message exactly once, sequence numbers 1…1000.
    const stored = await db.prisma.message.findMany({
      where: { conversationId: 'room_general' },
      orderBy: { seq: 'asc' },
      select: { seq: true, text: true, clientKey: true },
    });
    expect(acked.size).toBe(TOTAL);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.clientKey)).size).toBe(TOTAL);
    const bySeq = new Map(stored.map((m) => [m.seq, m]));
    for (const [id, s] of acked) {
      const [ci, i] = id.split('-');
      expect(bySeq.get(s)?.text).toBe(`from ${ci}: ${i}`);
    }
    // Every member holds all of them, in order, once (live events and gap-fill merged by sequence).
    // Most come live; around the broker's death a few may be lost on the way to members of the
    // surviving broker (seen: up to 8 of 1,000, cause not found yet) and are filled from history
    // when the next live message shows the hole.
    await expect
      .poll(() => members.map((m) => m.log.high), {
        timeout: 20_000,
        message: `members' reconnects (ms after start) and live events: ${members.map((m) => `${m.username}: [${m.reconnects.map((t) => Math.round(t)).join(' ')}] ${m.live.size}`).join('; ')}; broker killed at ${Math.round(kills.broker)}`,
      })
      .toEqual(members.map(() => TOTAL));
    // How many came live (the rest from history). Before the broker routed its packets in aedes'
    // numbering order, members on B — never disconnected — got about a third of them live.
    console.log(
      `cluster test: message events received live, members on A: ${members
        .filter((m) => m.onA)
        .map((m) => m.live.size)
        .join(', ')}; on B: ${members
        .filter((m) => !m.onA)
        .map((m) => m.live.size)
        .join(', ')} (of ${TOTAL})`,
    );
    for (const m of members) {
      expect(m.log.messages().map((x) => x.s)).toEqual(stored.map((x) => x.seq));
      expect(m.log.messages().map((x) => x.x)).toEqual(stored.map((x) => x.text));
    }
    expect(brokerFailover).toBeLessThan(15_000);
    expect(storeFailover).toBeLessThan(15_000);
  },
  240_000,
);
