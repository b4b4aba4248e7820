import { TidingsError } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { sendMessage, type SendConnection } from '../src/chat/send.js';

type Answer = { s: number; at: number } | TidingsError;

/** A connection whose chat.send requests get the answers given, in order, recording each id and body. */
function fakeConnection(answers: Answer[]) {
  const calls: { id: string | undefined; c: string; x: string; timeoutMs: number | undefined }[] = [];
  const conn: SendConnection = {
    async request(_action, body, options) {
      calls.push({ id: options?.id, c: body.c, x: body.x, timeoutMs: options?.timeoutMs });
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      if (answer instanceof TidingsError) throw answer;
      return answer;
    },
  };
  return { conn, calls };
}

const timeout = () => new TidingsError('UNAVAILABLE', 'no reply to chat.send within 10 s');

describe('sending a message with retries', () => {
  it('retries after a timeout with the same request id, so the service stores it once', async () => {
    const { conn, calls } = fakeConnection([timeout(), { s: 7, at: 1000 }]);
    const retries: string[] = [];
    const sent = await sendMessage(conn, 'general', 'hello', { onRetry: (r) => retries.push(r), sleep: async () => {} });
    expect(sent).toEqual({ id: calls[0]!.id, s: 7, at: 1000 });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(calls[1]!.id).toBe(calls[0]!.id);
    expect(retries).toEqual(['no reply to chat.send within 10 s: trying again (2/3)']);
  });

  it('gives up after three tries without an ack, saying the message may still arrive', async () => {
    const { conn, calls } = fakeConnection([timeout(), timeout(), timeout(), { s: 1, at: 1 }]);
    const err = await sendMessage(conn, 'general', 'hello').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TidingsError);
    expect((err as TidingsError).code).toBe('UNAVAILABLE');
    expect((err as TidingsError).message).toBe('no reply to chat.send within 10 s (3 tries; the message may still arrive, never twice)');
    expect(new Set(calls.map((c) => c.id)).size).toBe(1);
    expect(calls).toHaveLength(3);
  });

  it('waits the advised time when rate-limited and tries again without spending a try', async () => {
    const limited = () => new TidingsError('RATE_LIMITED', 'Too many messages', { retryAfter: 2 });
    const { conn, calls } = fakeConnection([limited(), timeout(), limited(), timeout(), { s: 3, at: 3 }]);
    const slept: number[] = [];
    const sent = await sendMessage(conn, '@bob', 'hi', { sleep: async (ms) => void slept.push(ms) });
    expect(sent.s).toBe(3);
    expect(slept).toEqual([2000, 2000]);
    expect(calls).toHaveLength(5);
    expect(new Set(calls.map((c) => c.id)).size).toBe(1);
  });

  it('fails at once on an answer that no retry can change', async () => {
    const { conn, calls } = fakeConnection([new TidingsError('FORBIDDEN', 'you are not a member of general')]);
    await expect(sendMessage(conn, 'general', 'hi')).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'you are not a member of general' });
    expect(calls).toHaveLength(1);
  });

  it('uses the id it is given and the timeout per try', async () => {
    const { conn, calls } = fakeConnection([{ s: 1, at: 1 }]);
    await sendMessage(conn, 'general', 'hi', { id: 'my-key', timeoutMs: 1500 });
    expect(calls).toEqual([{ id: 'my-key', c: 'general', x: 'hi', timeoutMs: 1500 }]);
  });
});
