import { createHash } from 'node:crypto';
import pg from 'pg';
import { withoutSchema } from './index.js';
import { postgresSchemaOf, providerOf } from './url.js';

/**
 * One leader per service among its instances, held as a PostgreSQL advisory lock.
 *
 * Every instance of a service started as a standby (`TIDINGS_STANDBY=on`) opens a connection of
 * its own and tries `pg_try_advisory_lock` on a key made from the service's name and the
 * database schema, every `pollMs`. The one that gets it leads: it starts serving; the others
 * wait. A lock is held by a database session, so when the leader's process dies — a crash, a
 * SIGKILL, a machine gone — its connection closes, PostgreSQL releases the lock at once and the
 * next standby to poll takes it: failover in about `pollMs` plus the service's start. No lease
 * to renew, no clock to trust.
 *
 * The leader checks its lock connection every `checkMs`. If the connection fails or a check does
 * not answer within `checkMs` (a network cut between it and the database, after which
 * PostgreSQL ends its session and releases the lock), `lost` resolves: the service must stop
 * serving at once (runService exits with status 1), since a standby may lead already.
 */
export interface Leadership {
  /** Resolves (never rejects) with why, when the lock can no longer be counted on. */
  readonly lost: Promise<Error>;
  /** Gives the lock up (a graceful stop): a standby takes over at its next poll. */
  release(): Promise<void>;
}

export interface LeadershipOptions {
  /** How often a standby tries to take the lock (ms). */
  pollMs?: number;
  /** How often the leader checks its lock connection, and how long a check may take (ms). */
  checkMs?: number;
  /** Stops waiting: acquireLeadership then resolves with null. */
  signal?: AbortSignal;
  /** Told each time a try fails (the lock is held elsewhere, or the database is unreachable). */
  onWait?: (why: 'held' | Error) => void;
}

/** The advisory lock key of a service in a database schema: 64 bits of a hash, as PostgreSQL's signed bigint. */
export function leadershipKey(url: string, service: string): string {
  const schema = postgresSchemaOf(url) ?? 'public';
  return createHash('sha256').update(`tidings-leader:${schema}:${service}`).digest().readBigInt64BE(0).toString();
}

/** Waits until this instance leads `service` (or `signal` aborts: null). PostgreSQL only. */
export async function acquireLeadership(url: string, service: string, options: LeadershipOptions = {}): Promise<Leadership | null> {
  if (providerOf(url) !== 'postgresql')
    throw new Error('standby instances need PostgreSQL (DATABASE_URL=postgresql://…): the lock is a PostgreSQL advisory lock');
  const pollMs = options.pollMs ?? 500;
  const checkMs = options.checkMs ?? 2000;
  const key = leadershipKey(url, service);
  const aborted = () => options.signal?.aborted === true;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      options.signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });

  while (!aborted()) {
    const client = new pg.Client({ connectionString: withoutSchema(url), keepAlive: true, application_name: `tidings-${service}-leader` });
    let failed: Error | undefined;
    client.on('error', (err) => (failed = err));
    try {
      await client.connect();
      while (!aborted() && !failed) {
        const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS held', [key]);
        if (rows[0]?.held) return holding(client, key, checkMs, () => failed);
        options.onWait?.('held');
        await pause(pollMs);
      }
    } catch (err) {
      options.onWait?.(err as Error);
    }
    await client.end().catch(() => {});
    if (!aborted()) await pause(pollMs);
  }
  return null;
}

function holding(client: pg.Client, key: string, checkMs: number, failure: () => Error | undefined): Leadership {
  let settle!: (why: Error) => void;
  const lost = new Promise<Error>((resolve) => (settle = resolve));
  let done = false;
  const lose = (why: Error) => {
    if (done) return;
    done = true;
    clearInterval(timer);
    settle(why);
    void client.end().catch(() => {});
  };
  client.on('error', (err) => lose(err));
  client.on('end', () => lose(new Error('the connection holding the leadership lock ended')));
  const early = failure();
  if (early) queueMicrotask(() => lose(early));
  const timer = setInterval(() => {
    let answered = false;
    const late = setTimeout(() => answered || lose(new Error(`the leadership lock's connection did not answer within ${checkMs} ms`)), checkMs);
    client.query('SELECT 1').then(
      () => {
        answered = true;
        clearTimeout(late);
      },
      (err: unknown) => lose(err as Error),
    );
  }, checkMs);
  timer.unref();
  return {
    lost,
    async release() {
      if (done) return;
      done = true;
      clearInterval(timer);
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
