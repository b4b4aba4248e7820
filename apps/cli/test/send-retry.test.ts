import { NotConfirmedError, isNotConfirmed } from '@tidings/client';
import { TidingsError } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { sendMessage, type SendConnection } from '../src/chat/send.js';

type Answer = { s: number; at: number } | TidingsError;

/** A connection whose chat.send requests get the answers given, in order, recording each id and body. */
function fakeConnection(answers: Answer[], clock?: { t: number; step: number }) {
  const calls: { id: string | undefined; c: string; x: string; timeoutMs: number | undefined }[] = [];
  const conn: SendConnection = {
    async request(_action, body, options) {
      calls.push({ id: options?.id, c: body.c, x: body.x, timeoutMs: options?.timeoutMs });
      if (clock) clock.t += clock.step;
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      if (answer instanceof TidingsError) throw answer;
      return answer;
    },
  };
  return { conn, calls };
}

const unconfirmed = (sent = true) => new NotConfirmedError('no reply to chat.send within 120 s', sent);

describe('sending a message', () => {
  it('waits for the ack as long as it is told, and then says "not confirmed yet", never "failed"', async () => {
    const { conn, calls } = fakeConnection([unconfirmed()]);
    const err = await sendMessage(conn, 'general', 'hello', { waitMs: 90_000 }).catch((e: unknown) => e);
    expect(isNotConfirmed(err)).toBe(true);
    expect((err as NotConfirmedError).code).toBe('UNAVAILABLE');
    expect((err as Error).message).toMatch(
      /^not confirmed yet: no ack within 90 s for the message to general \(id [A-Za-z0-9_-]{12}\); it may still arrive, never twice/,
    );
    expect(calls).toEqual([{ id: calls[0]!.id, c: 'general', x: 'hello', timeoutMs: 90_000 }]);
  });

  it('says "not sent" when no copy could leave (no connection the whole time)', async () => {
    const { conn } = fakeConnection([unconfirmed(false)]);
    const err = await sendMessage(conn, 'general', 'hello', { waitMs: 5000 }).catch((e: unknown) => e);
    expect(isNotConfirmed(err) && !err.sent).toBe(true);
    expect((err as Error).message).toMatch(/^not sent: no connection to the broker within 5 s/);
  });

  it('waits the advised time when rate-limited or the service is busy, and tries again with the same id', async () => {
    const limited = () => new TidingsError('RATE_LIMITED', 'Too many messages', { retryAfter: 2 });
    const busy = () => new TidingsError('UNAVAILABLE', 'the database is busy', { retryAfter: 1 });
    const { conn, calls } = fakeConnection([limited(), busy(), limited(), { s: 3, at: 3 }]);
    const slept: number[] = [];
    const retries: string[] = [];
    const sent = await sendMessage(conn, '@bob', 'hi', { sleep: async (ms) => void slept.push(ms), onRetry: (r) => retries.push(r) });
    expect(sent.s).toBe(3);
    expect(slept).toEqual([2000, 1000, 2000]);
    expect(retries).toEqual(['rate-limited: trying again in 2 s', 'the database is busy: trying again in 1 s', 'rate-limited: trying again in 2 s']);
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => c.id)).size).toBe(1);
  });

  it('never waits past its horizon, however often the service says to come back', async () => {
    const clock = { t: 0, step: 400 };
    const busy = () => new TidingsError('UNAVAILABLE', 'the database is busy', { retryAfter: 1 });
    const { conn } = fakeConnection(Array.from({ length: 50 }, busy), clock);
    const err = await sendMessage(conn, 'general', 'hi', {
      waitMs: 3000,
      now: () => clock.t,
      sleep: async (ms) => void (clock.t += ms),
    }).catch((e: unknown) => e);
    expect(isNotConfirmed(err) && err.sent).toBe(true);
    expect(clock.t).toBeLessThanOrEqual(3400);
  });

  it('fails at once on an answer that no retry can change', async () => {
    const { conn, calls } = fakeConnection([new TidingsError('FORBIDDEN', 'you are not a member of general')]);
    await expect(sendMessage(conn, 'general', 'hi')).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'you are not a member of general' });
    expect(calls).toHaveLength(1);
  });

  it('uses the id it is given', async () => {
    const { conn, calls } = fakeConnection([{ s: 1, at: 1 }]);
    await sendMessage(conn, 'general', 'hi', { id: 'my-key', waitMs: 1500 });
    expect(calls).toEqual([{ id: 'my-key', c: 'general', x: 'hi', timeoutMs: 1500 }]);
  });
});
