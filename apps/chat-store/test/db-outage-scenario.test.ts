import {
  postgresUrlOrSkip,
  readOnlyOutage,
  runSendsThroughOutage,
  sqliteLockOutage,
  startTestService,
  startTestStack,
  type Outage,
  type TestService,
  type TestStack,
} from '@tidings/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatStore, type ChatStore } from '../src/service.js';

/**
 * The short version of the benchmark's scenario (8 s read-only under 900 sends): a stream of sends
 * from several users while the database fails for 2 s, by clients that resend the same id on
 * UNAVAILABLE. Nothing may be given up, lost or stored twice, and the sequence stays gap-free.
 */
describe('a stream of sends through a database outage', () => {
  let stack: TestStack | undefined;
  let running: TestService<ChatStore> | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await stack?.close();
    stack = undefined;
  });

  async function start(postgres: boolean) {
    stack = await startTestStack(postgres ? { postgres: 'own-database' } : {});
    // Six senders offering ~70 messages/s each: well above the default per-user limit, which is not under test.
    running = await startTestService(stack, 'chat-store', (deps) => createChatStore({ ...deps, settings: { sendRatePerSecond: 1000, sendBurst: 1000 } }));
    return stack;
  }

  async function check(s: TestStack, outage: Outage) {
    const result = await runSendsThroughOutage({ stack: s, outage, users: 6, sends: 200, spreadMs: 3000, outageAtMs: 500, outageMs: 2000 });
    console.log(`${outage.describe} for ${result.outageMs} ms under ${result.sends} sends: ${JSON.stringify(result)}`);
    expect(result).toMatchObject({ acked: 200, gaveUp: 0, lost: 0, doubled: 0, gapFree: true, stored: 200 });
    // The writer waited for the database itself: no send needed the client's retry.
    expect(result.replies).toEqual({});
    // Sends made during the outage were stored soon after it ended (tries at least once a second).
    expect(result.drainMs).toBeLessThan(5000);
    expect(result.ackMs.max).toBeGreaterThan(1000); // the outage did hold sends up
  }

  it.skipIf(!postgresUrlOrSkip())('loses nothing while PostgreSQL is read-only for 2 s (its connections cut at start and end)', async () => {
    const s = await start(true);
    await check(s, readOnlyOutage(s));
  });

  it('loses nothing while another connection holds the SQLite write lock for 2 s', async () => {
    const s = await start(false);
    await check(s, sqliteLockOutage(s));
  });
});
