import { existsSync } from 'node:fs';
import { connectGuest, connectUser } from '@tidings/client';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger, connectServiceClient, createUserSession, postgresUrlOrSkip, startTestStack, type TestStack } from '../src/index.js';

const stacks: TestStack[] = [];
async function stack(options?: Parameters<typeof startTestStack>[0]): Promise<TestStack> {
  const s = await startTestStack(options);
  stacks.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.close()));
});

describe('startTestStack', () => {
  it('starts a broker on an ephemeral port with a migrated SQLite database, and close removes the data dir', async () => {
    const s = await stack();
    expect(s.broker.mqttPort).toBeGreaterThan(0);
    expect(s.url).toBe(`mqtt://127.0.0.1:${s.broker.mqttPort}`);
    expect(s.dbUrl.startsWith('file:')).toBe(true);
    expect(await s.db.prisma.user.count()).toBe(0);
    expect(Object.keys(s.credentials)).toContain('auth');
    await s.close();
    expect(existsSync(s.dataDir)).toBe(false);
  });

  it('lets a guest, a service and a user created with createUserSession connect', async () => {
    const s = await stack();
    const guest = await connectGuest({ url: s.url });
    const svc = await connectServiceClient(s, 'auth');
    const session = await createUserSession(s, 'alice');
    const user = await connectUser({ url: s.wsUrl }, { username: 'alice', token: session.token, device: 'laptop' });
    expect(s.broker.connectedClients()).toBe(3);
    await Promise.all([guest.close(), user.close(), svc.endAsync()]);
  });

  it('refuses a user whose session createUserSession made already expired', async () => {
    const s = await stack();
    const session = await createUserSession(s, 'bob', { expiresAt: new Date(Date.now() - 1000) });
    await expect(connectUser({ url: s.url }, { username: 'bob', token: session.token, device: 'phone' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('captureLogger keeps the JSON lines and redacts secrets', () => {
    const { logger, lines } = captureLogger();
    logger.info({ password: 'hunter22hunter22', user: 'x' }, 'hello');
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toContain('"msg":"hello"');
    expect(lines()[0]).not.toContain('hunter22');
  });

  const pg = postgresUrlOrSkip();
  it.skipIf(!pg)('uses a fresh PostgreSQL schema and drops it on close', async () => {
    const s = await stack({ postgres: true });
    expect(s.dbUrl).toMatch(/schema=t_[0-9a-f]{12}/);
    const schema = new URL(s.dbUrl).searchParams.get('schema');
    await createUserSession(s, 'carol');
    expect(await s.db.prisma.user.count()).toBe(1);
    await s.close();
    const check = await startTestStack({ postgres: true });
    try {
      const rows = await check.db.prisma.$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = '${schema}'`,
      );
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await check.close();
    }
  });

  it.skipIf(!pg)('with postgres "own-database", makes a database of its own that can turn read-only, and drops it on close', async () => {
    const s = await stack({ postgres: 'own-database' });
    const own = s.pgDatabase!;
    expect(own.name).toMatch(/^tidings_t_[0-9a-f]{12}$/);
    expect(new URL(s.dbUrl).pathname).toBe(`/${own.name}`);
    await createUserSession(s, 'dave');
    await own.setReadOnly(true);
    let refused: unknown;
    // the terminated pool connections are found out by using them
    for (let i = 0; i < 5 && !refused; i++) await createUserSession(s, `ro${i}`).catch((err: unknown) => /read-only/.test(String(err)) && (refused = err));
    expect(String(refused)).toMatch(/read-only transaction/);
    await own.setReadOnly(false);
    await s.db.prisma.user.count().catch(() => 0); // again, a terminated connection may be found first
    expect(await s.db.prisma.user.count()).toBe(1);
    await s.close();
    const check = await startTestStack({ postgres: true });
    try {
      const rows = await check.db.prisma.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM pg_database WHERE datname = $1', own.name);
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await check.close();
    }
  });
});
