import { topics } from '@tidings/protocol';
import type { MqttClient } from 'mqtt';
import { lockSqlite, type SqliteLock } from './db-faults.js';
import { connectRaw, type RawReply } from './raw.js';
import { Seed } from './seed.js';
import { createUserSession, type TestStack } from './stack.js';

/**
 * A stream of chat.send from several users while the database fails for a while, with clients
 * that do what the protocol asks: resend the same id after `retryAfter` on UNAVAILABLE (and
 * RATE_LIMITED), and when no reply came in time. Afterwards the database is checked: every send
 * acknowledged, stored once, under the sequence number its ack said, without gaps. The test runs
 * a short version; the benchmark the long one (8 s read-only under 900 sends).
 */

/** What makes the database fail, and work again. */
export interface Outage {
  /** e.g. `read-only for 2000 ms` */
  describe: string;
  begin(): Promise<void>;
  end(): Promise<void>;
}

/**
 * PostgreSQL made read-only: every new transaction of the stack's own database (startTestStack
 * with `postgres: 'own-database'`) is read-only and its connections are cut; `end()` reverts that
 * and cuts them again. Only that database is touched.
 */
export function readOnlyOutage(stack: Pick<TestStack, 'pgDatabase'>): Outage {
  const pg = stack.pgDatabase;
  if (!pg) throw new Error('readOnlyOutage needs a stack with a PostgreSQL database of its own (postgres: "own-database")');
  return { describe: 'PostgreSQL read-only', begin: () => pg.setReadOnly(true), end: () => pg.setReadOnly(false) };
}

/**
 * SQLite locked: another connection holds the write lock. The services' connection (the stack's
 * database, which in-process services share) waits `busyTimeoutMs` for a lock instead of the
 * production 10 s, so writes fail as they would after a longer wait.
 */
export function sqliteLockOutage(stack: Pick<TestStack, 'db' | 'dbUrl'>, busyTimeoutMs = 100): Outage {
  let lock: SqliteLock | undefined;
  return {
    describe: 'SQLite locked by another connection',
    async begin() {
      stack.db.sqlite()?.pragma(`busy_timeout = ${busyTimeoutMs}`);
      lock = lockSqlite(stack.dbUrl);
    },
    async end() {
      lock?.release();
      lock = undefined;
    },
  };
}

export interface SendsThroughOutageOptions {
  /** A stack with chat-store running on it, with a send rate that lets `users` offer `sends` over `spreadMs`. */
  stack: TestStack;
  outage: Outage;
  /** Senders, each its own user and connection, all members of `room`. */
  users: number;
  sends: number;
  /** The sends are spread evenly over this long (ms). */
  spreadMs: number;
  /** The outage begins this long after the first send… */
  outageAtMs: number;
  /** …and lasts this long. */
  outageMs: number;
  /** A client sends again (same id) when no reply came within this (default 10 000 ms). */
  replyTimeoutMs?: number;
  /** A client gives a send up when it has not been acknowledged after this long (default 60 000 ms). */
  giveUpMs?: number;
  /** Default `general`. */
  room?: string;
}

export interface SendsThroughOutageResult {
  sends: number;
  acked: number;
  /** Sends the client stopped trying: a final error, or no ack within giveUpMs. */
  gaveUp: number;
  /** Acknowledged, but not in the database under the acknowledged sequence number. */
  lost: number;
  /** Rows beyond one per (sender, id). */
  doubled: number;
  /** The room's sequence numbers are exactly 1..stored. */
  gapFree: boolean;
  stored: number;
  /** Replies other than acks, by code, and resends after no reply. */
  replies: Record<string, number>;
  timeouts: number;
  /** From a send's first publish to its ack, ms. */
  ackMs: { p50: number; p99: number; max: number };
  /** The outage as it happened: from begin() resolving to end() resolving, ms. */
  outageMs: number;
  /** From the end of the outage to the last ack of a send made before it ended, ms (0 when all came before). */
  drainMs: number;
}

interface Sender {
  client: MqttClient;
  topic: string;
  waiting: Map<string, (reply: RawReply) => void>;
}

/** Runs the scenario (see the file comment) and reports; it asserts nothing itself. */
export async function runSendsThroughOutage(options: SendsThroughOutageOptions): Promise<SendsThroughOutageResult> {
  const { stack, outage } = options;
  const room = options.room ?? 'general';
  const replyTimeoutMs = options.replyTimeoutMs ?? 10_000;
  const giveUpMs = options.giveUpMs ?? 60_000;
  const seed = new Seed(stack.db);
  const names = Array.from({ length: options.users }, (_, i) => `outage${i}`);
  const roomId = await seed.room(room, names);

  const senders: Sender[] = [];
  try {
    for (const name of names) {
      const { token } = await createUserSession(stack, name);
      const clientId = `${name}:o`;
      const client = await connectRaw(stack.url, { clientId, username: name, password: token });
      const waiting = new Map<string, (reply: RawReply) => void>();
      client.on('message', (_topic, payload) => {
        const reply = JSON.parse(payload.toString('utf8')) as RawReply;
        const waiter = reply.id === null ? undefined : waiting.get(reply.id);
        if (waiter) {
          waiting.delete(reply.id!);
          waiter(reply);
        }
      });
      await client.subscribeAsync(topics.reply(clientId), { qos: 1 });
      senders.push({ client, topic: topics.userRequest(clientId, 'chat.send'), waiting });
    }

    const replies: Record<string, number> = {};
    let timeouts = 0;
    let gaveUp = 0;
    const acks = new Map<string, { sender: string; s: number; at: number; started: number }>();
    const latencies: number[] = [];

    const ask = (sender: Sender, id: string, text: string): Promise<RawReply | 'timeout'> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          sender.waiting.delete(id);
          resolve('timeout');
        }, replyTimeoutMs);
        sender.waiting.set(id, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        sender.client.publish(sender.topic, JSON.stringify({ id, c: room, x: text }), { qos: 1 });
      });

    const deliver = async (i: number): Promise<void> => {
      const sender = senders[i % senders.length]!;
      const name = names[i % names.length]!;
      const id = `o${i.toString(36)}`;
      const started = performance.now();
      for (;;) {
        if (performance.now() - started > giveUpMs) {
          gaveUp++;
          return;
        }
        const reply = await ask(sender, id, `message ${i}`);
        if (reply === 'timeout') {
          timeouts++;
          continue;
        }
        if (reply.r) {
          const { s } = reply.r as { s: number };
          const at = performance.now();
          acks.set(`${name} ${id}`, { sender: name, s, at, started });
          latencies.push(at - started);
          return;
        }
        const code = reply.e?.code ?? 'none';
        replies[code] = (replies[code] ?? 0) + 1;
        if (code !== 'UNAVAILABLE' && code !== 'RATE_LIMITED') {
          gaveUp++;
          return;
        }
        await new Promise((r) => setTimeout(r, (reply.e?.retryAfter ?? 1) * 1000));
      }
    };

    // The stream, and the outage in the middle of it.
    const t0 = performance.now();
    const deliveries: Promise<void>[] = [];
    const stream = (async () => {
      for (let i = 0; i < options.sends; i++) {
        const due = t0 + (i * options.spreadMs) / options.sends;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        deliveries.push(deliver(i));
      }
    })();
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + options.outageAtMs - performance.now())));
    await outage.begin();
    const outageBegan = performance.now();
    await new Promise((r) => setTimeout(r, options.outageMs));
    await outage.end();
    const outageEnded = performance.now();
    await stream;
    await Promise.all(deliveries);

    // What the database holds.
    const users = await stack.db.prisma.user.findMany({ where: { username: { in: names } }, select: { id: true, username: true } });
    const nameOf = new Map(users.map((u) => [u.id, u.username]));
    const rows = await stack.db.prisma.message.findMany({
      where: { conversationId: roomId },
      orderBy: { seq: 'asc' },
      select: { seq: true, senderId: true, clientKey: true },
    });
    const byKey = new Map<string, number[]>();
    for (const row of rows) {
      const key = `${nameOf.get(row.senderId) ?? row.senderId} ${row.clientKey}`;
      byKey.set(key, [...(byKey.get(key) ?? []), row.seq]);
    }
    let lost = 0;
    for (const [key, ack] of acks) if (!(byKey.get(key) ?? []).includes(ack.s)) lost++;
    const sorted = latencies.slice().sort((a, b) => a - b);
    const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
    const lastAck = Math.max(0, ...[...acks.values()].filter((a) => a.started < outageEnded).map((a) => a.at));
    return {
      sends: options.sends,
      acked: acks.size,
      gaveUp,
      lost,
      doubled: rows.length - byKey.size,
      gapFree: rows.every((r, i) => r.seq === i + 1),
      stored: rows.length,
      replies,
      timeouts,
      ackMs: { p50: pct(0.5), p99: pct(0.99), max: Math.round(sorted.at(-1) ?? 0) },
      outageMs: Math.round(outageEnded - outageBegan),
      drainMs: Math.max(0, Math.round(lastAck - outageEnded)),
    };
  } finally {
    await Promise.allSettled(senders.map((s) => s.client.endAsync(true)));
  }
}
