import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { topics } from '@tidings/protocol';
import {
  connectRaw,
  createUserSession,
  runServiceProcess,
  stackEnv,
  startTestStack,
  waitForHealthy,
  type ServiceProcess,
  type TestStack,
} from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';

/**
 * Two chat-store processes on one PostgreSQL database, both `TIDINGS_STANDBY=on`: one leads (it
 * holds the service's advisory lock), the other waits. The leader is killed with SIGKILL while a
 * user keeps sending, each message resent with the same id until acknowledged: every message is
 * stored exactly once, sequence numbers stay gap-free, and the standby takes over.
 */
const CHAT_STORE = path.resolve(import.meta.dirname, '../../../apps/chat-store/dist/main.js');
const postgres = process.env.TEST_POSTGRES_URL;
if (!postgres) console.log('skipping the chat-store failover test: TEST_POSTGRES_URL is unset (standby instances need PostgreSQL)');

let stack: TestStack | undefined;
const procs: ServiceProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) p.kill();
  await stack?.close();
  stack = undefined;
});

it.runIf(Boolean(postgres))('fails over from a killed chat-store to its standby, losing and duplicating nothing', async () => {
  stack = await startTestStack({ postgres: true });
  const env = { ...stackEnv(stack), TIDINGS_STANDBY: 'on', TIDINGS_SEND_RATE: '1000', TIDINGS_SEND_BURST: '1000', TIDINGS_LOG_LEVEL: 'info' };
  const a = runServiceProcess({ script: CHAT_STORE, env });
  procs.push(a);
  await waitForHealthy(stack, 'chat-store');
  const b = runServiceProcess({ script: CHAT_STORE, env });
  procs.push(b);
  await b.waitFor('standby: waiting to lead');
  const [leader, standby] = a.output().includes('leading: starting to serve') ? [a, b] : [b, a];

  // A user who resends each request, same id, until its reply comes (as @tidings/client does).
  const session = await createUserSession(stack, 'alice');
  const clientId = 'alice:laptop';
  const user = await connectRaw(stack.url, { clientId, username: 'alice', password: session.token, clean: true });
  const replies = new Map<string, { r?: { s: number }; e?: { code: string } }>();
  user.on('message', (_topic, payload) => {
    const reply = JSON.parse(payload.toString()) as { id: string; r?: { s: number }; e?: { code: string } };
    replies.set(reply.id, reply);
  });
  await user.subscribeAsync(topics.reply(clientId), { qos: 0 });
  const request = async (action: string, body: Record<string, unknown>): Promise<{ s: number } | undefined> => {
    const id = randomUUID();
    for (;;) {
      await user.publishAsync(topics.userRequest(clientId, action), JSON.stringify({ id, ...body }), { qos: 0 });
      const deadline = Date.now() + 300;
      while (Date.now() < deadline && !replies.has(id)) await new Promise((r) => setTimeout(r, 10));
      const reply = replies.get(id);
      if (reply?.r) return reply.r;
      if (reply?.e && reply.e.code !== 'UNAVAILABLE') throw new Error(`${action}: ${reply.e.code}`);
      replies.delete(id);
    }
  };

  try {
    await request('room.join', { name: 'general' });
    const acked: number[] = [];
    for (let i = 0; i < 20; i++) acked.push((await request('chat.send', { c: 'general', x: `before ${i}` }))!.s);
    const killedAt = performance.now();
    leader.child.kill('SIGKILL');
    acked.push((await request('chat.send', { c: 'general', x: 'across the failover' }))!.s);
    const failoverMs = performance.now() - killedAt;
    for (let i = 0; i < 20; i++) acked.push((await request('chat.send', { c: 'general', x: `after ${i}` }))!.s);
    console.log(`chat-store failover: the first send after SIGKILL was acknowledged ${Math.round(failoverMs)} ms later`);

    expect(standby.output()).toContain('leading: starting to serve');
    const stored = await stack.db.prisma.message.findMany({
      where: { conversationId: 'room_general' },
      orderBy: { seq: 'asc' },
      select: { seq: true, text: true },
    });
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored).toHaveLength(41);
    expect(new Set(stored.map((m) => m.text)).size).toBe(41);
    expect(acked).toEqual(stored.map((m) => m.seq));
    expect(failoverMs).toBeLessThan(15_000);
  } finally {
    await user.endAsync(true);
  }
});

it.runIf(Boolean(postgres))('keeps a standby healthy and idle, and lets it stop at once on SIGTERM', async () => {
  stack = await startTestStack({ postgres: true });
  const env = { ...stackEnv(stack), TIDINGS_STANDBY: 'on', TIDINGS_OPS_PORT: '0', TIDINGS_LOG_LEVEL: 'info' };
  const leader = runServiceProcess({ script: CHAT_STORE, env });
  procs.push(leader);
  await leader.waitFor('leading: starting to serve');
  const standby = runServiceProcess({ script: CHAT_STORE, env });
  procs.push(standby);
  await standby.waitFor('standby: waiting to lead');
  const port = (JSON.parse(standby.lines().find((l) => l.includes('ops endpoint listening')) ?? '{}') as { port?: number }).port;
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect([health.status, await health.json()]).toEqual([200, { status: 'up', service: 'chat-store', role: 'standby' }]);
  expect(standby.output()).not.toContain('leading');
  expect(await standby.stop('SIGTERM')).toBe(0);
  // The leader, stopped gracefully, gives the lock up.
  expect(await leader.stop('SIGTERM')).toBe(0);
});

it('refuses TIDINGS_STANDBY without PostgreSQL, saying why', async () => {
  const proc = runServiceProcess({
    script: CHAT_STORE,
    env: { TIDINGS_STANDBY: 'on', DATABASE_URL: 'file:/nonexistent/never-used.db', TIDINGS_SERVICE_SECRET: 'x'.repeat(32) },
  });
  procs.push(proc);
  expect(await proc.exited).toBe(2);
  expect(proc.stderr()).toBe('chat-store: TIDINGS_STANDBY=on needs a PostgreSQL DATABASE_URL (the leader holds a PostgreSQL advisory lock)\n');
});
