import net from 'node:net';
import path from 'node:path';
import { connectGuest } from '@tidings/client';
import { TidingsError } from '@tidings/protocol';
import { redisUrlOrSkip, runServiceProcess, stackEnv, startTestStack, waitForHealthy, type ServiceProcess, type TestStack } from '@tidings/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const script = path.resolve(import.meta.dirname, '../dist/main.js');

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TidingsError)) throw new Error(`expected a TidingsError, got ${String(err)}`);
  return err.code;
}

describe('the auth process with TIDINGS_REDIS_URL', () => {
  let stack: TestStack | undefined;
  let proc: ServiceProcess | undefined;
  afterEach(async () => {
    proc?.kill();
    proc = undefined;
    await stack?.close();
    stack = undefined;
  });

  it('starts while Redis is unreachable, says so once without the password, and still throttles sign-ins (in memory)', async () => {
    stack = await startTestStack();
    const port = await closedPort();
    proc = runServiceProcess({ script, env: { ...stackEnv(stack), TIDINGS_REDIS_URL: `redis://default:redis-secret-pw@127.0.0.1:${port}` } });
    await waitForHealthy(stack, 'auth');
    await proc.waitFor('"msg":"started"');
    await proc.waitFor(/"level":40[^\n]*"component":"limits"[^\n]*limits: Redis unreachable/);
    const guest = await connectGuest({ url: stack.url });
    try {
      // five wrong passwords from one connection would hit the per-connection cap first (10): fine
      for (let i = 0; i < 5; i++)
        expect(await codeOf(guest.request('auth.login', { username: 'nobody', password: `guess number ${i}` }))).toBe('INVALID_CREDENTIALS');
      expect(await codeOf(guest.request('auth.login', { username: 'nobody', password: 'guess number 5' }))).toBe('RATE_LIMITED');
    } finally {
      await guest.close();
    }
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(proc.output()).not.toContain('redis-secret-pw');
    expect(proc.output().match(/Redis unreachable/g)).toHaveLength(1);
  });

  it.runIf(redisUrlOrSkip())('says the limits are shared when Redis answers', async () => {
    stack = await startTestStack();
    proc = runServiceProcess({ script, env: { ...stackEnv(stack), TIDINGS_REDIS_URL: redisUrlOrSkip(), TIDINGS_REDIS_PREFIX: `test-main-${process.pid}` } });
    await waitForHealthy(stack, 'auth');
    await proc.waitFor('limits: shared by every instance in Redis');
    expect(await proc.stop('SIGTERM')).toBe(0);
  });
});
