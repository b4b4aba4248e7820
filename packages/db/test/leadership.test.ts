import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { acquireLeadership, leadershipKey } from '../src/index.js';

const postgresUrl = process.env.TEST_POSTGRES_URL;
if (!postgresUrl) console.log('skipping the leadership lock tests: TEST_POSTGRES_URL is unset');

/** A URL in a schema of its own: its key differs from every other test's. */
function freshUrl(): string {
  const u = new URL(postgresUrl!);
  u.searchParams.set('schema', `t_lead_${Math.random().toString(36).slice(2, 10)}`);
  return u.toString();
}

describe('leadership keys', () => {
  it('differ by service and by schema, and are the same for the same pair', () => {
    const a = 'postgresql://x@h/db?schema=one';
    expect(leadershipKey(a, 'chat-store')).toBe(leadershipKey(a, 'chat-store'));
    expect(leadershipKey(a, 'chat-store')).not.toBe(leadershipKey(a, 'likes'));
    expect(leadershipKey(a, 'chat-store')).not.toBe(leadershipKey('postgresql://x@h/db?schema=two', 'chat-store'));
  });

  it('refuse SQLite: standbys need PostgreSQL', async () => {
    await expect(acquireLeadership('file:/tmp/x.db', 'likes')).rejects.toThrow(/need PostgreSQL/);
  });
});

describe.runIf(Boolean(postgresUrl))('the leadership lock on PostgreSQL', () => {
  it('lets one instance lead; a standby takes over when the leader releases it', async () => {
    const url = freshUrl();
    const first = await acquireLeadership(url, 'likes', { pollMs: 50 });
    let waits = 0;
    const second = acquireLeadership(url, 'likes', { pollMs: 50, onWait: () => waits++ });
    await expect.poll(() => waits).toBeGreaterThan(2);
    await first!.release();
    const leader = await second;
    expect(leader).not.toBeNull();
    await leader!.release();
  });

  it('hands over when the leader’s database session dies (a killed process), and the old leader hears it has lost', async () => {
    const url = freshUrl();
    const leader = (await acquireLeadership(url, 'chat-store', { pollMs: 50, checkMs: 200 }))!;
    const standby = acquireLeadership(url, 'chat-store', { pollMs: 50 });
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    try {
      const started = performance.now();
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tidings-chat-store-leader' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
      );
      expect((await leader.lost).message).toBeTruthy();
      const next = await standby;
      expect(next).not.toBeNull();
      expect(performance.now() - started).toBeLessThan(5000);
      await next!.release();
    } finally {
      await admin.end();
    }
  });

  it('stops waiting when told to, leading nothing', async () => {
    const url = freshUrl();
    const leader = (await acquireLeadership(url, 'auth', { pollMs: 50 }))!;
    const stop = new AbortController();
    const standby = acquireLeadership(url, 'auth', { pollMs: 50, signal: stop.signal });
    stop.abort();
    expect(await standby).toBeNull();
    await leader.release();
  });
});
