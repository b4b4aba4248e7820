import { TidingsError } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { INTERNAL_ATTEMPTS, Outbox, classifySendError } from '../src/state/outbox.js';
import { memoryStore } from '../src/state/storage.js';

const KEY = 'tidings:alice:outbox';

function ids(prefix = 'id') {
  let n = 0;
  return () => `${prefix}${++n}`;
}

/** A chat-store stand-in with the real rule: the request id is the idempotency key. */
class IdempotentServer {
  readonly stored = new Map<string, number>();
  seq = 0;
  handle(id: string): { s: number } {
    let s = this.stored.get(id);
    if (s === undefined) {
      s = ++this.seq;
      this.stored.set(id, s);
    }
    return { s };
  }
}

describe('the outbox', () => {
  it('stores a written message before anything is sent, so a reload still has it', () => {
    const data = new Map<string, string>();
    const box = new Outbox(memoryStore(data), KEY, { newId: ids() });
    box.add('general', 'hello');
    const reloaded = new Outbox(memoryStore(data), KEY);
    expect(reloaded.list()).toMatchObject([{ id: 'id1', c: 'general', x: 'hello', status: 'queued' }]);
  });

  it('gives each message its own id of 12 url-safe characters by default', () => {
    const box = new Outbox(memoryStore(), KEY);
    const a = box.add('general', 'one');
    const b = box.add('general', 'two');
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(b.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(a.id).not.toBe(b.id);
  });

  it('resends the same id after every lost ack, so the server stores the message once', () => {
    const server = new IdempotentServer();
    const box = new Outbox(memoryStore(), KEY, { newId: ids(), now: () => 0 });
    box.add('general', 'hello');
    const seen: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const item = box.next();
      expect(item).not.toBeNull();
      box.begin(item!.id);
      seen.push(item!.id);
      server.handle(item!.id); // stored (or found) on the server ...
      box.failed(item!.id, { kind: 'retry', afterMs: 0, reason: 'no reply' }); // ... but the ack was lost
    }
    const item = box.next()!;
    box.begin(item.id);
    const ack = server.handle(item.id);
    box.succeeded(item.id);
    expect(new Set([...seen, item.id])).toEqual(new Set(['id1']));
    expect(server.stored.size).toBe(1);
    expect(ack.s).toBe(1);
    expect(box.size).toBe(0);
  });

  it('sends a message that was on its way when the page closed again after the reload, with the same id', () => {
    const data = new Map<string, string>();
    const box = new Outbox(memoryStore(data), KEY, { newId: ids() });
    box.add('general', 'one');
    box.begin('id1');
    expect(box.get('id1')?.status).toBe('sending');
    const reloaded = new Outbox(memoryStore(data), KEY, { newId: ids('other') });
    expect(reloaded.next()).toMatchObject({ id: 'id1', status: 'queued', attempts: 1 });
  });

  it('sends one message at a time, oldest first, across conversations', () => {
    const box = new Outbox(memoryStore(), KEY, { newId: ids() });
    box.add('general', 'a');
    box.add('@bob', 'b');
    box.add('general', 'c');
    const order: string[] = [];
    for (;;) {
      const item = box.next();
      if (!item) break;
      box.begin(item.id);
      expect(box.next()).toBeNull(); // nothing else while one is on its way
      order.push(item.x);
      box.succeeded(item.id);
    }
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('marks a refused message failed with its reason, lets the next one go, and retries it with the same id on request', () => {
    const box = new Outbox(memoryStore(), KEY, { newId: ids() });
    box.add('nowhere', 'a');
    box.add('general', 'b');
    box.begin('id1');
    box.failed('id1', classifySendError(new TidingsError('NOT_FOUND', 'no such room'), 1));
    expect(box.get('id1')).toMatchObject({ status: 'failed', error: 'no such room' });
    expect(box.next()?.id).toBe('id2');
    box.begin('id2');
    box.succeeded('id2');
    expect(box.next()).toBeNull();
    box.retry('id1');
    expect(box.next()).toMatchObject({ id: 'id1', status: 'queued' });
    expect(box.get('id1')?.error).toBeUndefined();
  });

  it('holds a rate-limited message until retryAfter has passed', () => {
    let now = 1000;
    const box = new Outbox(memoryStore(), KEY, { newId: ids(), now: () => now });
    box.add('general', 'a');
    box.begin('id1');
    box.failed('id1', classifySendError(new TidingsError('RATE_LIMITED', 'slow down', { retryAfter: 3 }), 1));
    expect(box.next()).toBeNull();
    expect(box.wakeAt()).toBe(4000);
    now = 3999;
    expect(box.next()).toBeNull();
    now = 4000;
    expect(box.next()?.id).toBe('id1');
  });

  it('on a new link, sends at once a message that was waiting for a retryAfter set on the old one', () => {
    let now = 0;
    const box = new Outbox(memoryStore(), KEY, { newId: ids(), now: () => now });
    box.add('general', 'a');
    box.begin('id1');
    box.failed('id1', { kind: 'retry', afterMs: 20_000, reason: 'busy' });
    expect(box.next()).toBeNull();
    box.linkReturned();
    expect(box.next()?.id).toBe('id1');
    box.begin('id1');
    // one on its way stays on its way across the new link: the connection sends it again itself
    box.linkReturned();
    expect(box.get('id1')?.status).toBe('sending');
    now = 1;
    expect(box.next()).toBeNull();
  });

  it('sends several at once, oldest first, and none overtakes one waiting for its retryAfter', () => {
    let now = 0;
    const box = new Outbox(memoryStore(), KEY, { newId: ids(), now: () => now });
    for (const x of ['a', 'b', 'c', 'd']) box.add('general', x);
    const started: string[] = [];
    for (let item = box.next(3); item; item = box.next(3)) {
      box.begin(item.id);
      started.push(item.x);
    }
    expect(started).toEqual(['a', 'b', 'c']); // the window is full
    box.failed('id1', { kind: 'retry', afterMs: 5000, reason: 'rate-limited' });
    // 'a' waits for 5 s: 'd' must not go before it
    expect(box.next(3)).toBeNull();
    expect(box.wakeAt()).toBe(5000);
    now = 5000;
    expect(box.next(3)?.x).toBe('a');
  });

  it('discards any message on request, one on its way too', () => {
    const box = new Outbox(memoryStore(), KEY, { newId: ids() });
    box.add('general', 'a');
    box.add('general', 'b');
    box.begin('id1');
    expect(box.discard('id1')?.x).toBe('a');
    box.begin('id2');
    box.failed('id2', { kind: 'fail', reason: 'refused' });
    box.discard('id2');
    expect(box.size).toBe(0);
    expect(box.discard('id2')).toBeUndefined();
  });

  it('skips unreadable entries in storage instead of failing', () => {
    const data = new Map([[KEY, JSON.stringify([{ id: 1 }, 'junk', { id: 'ok', c: 'general', x: 'hi', at: 5, status: 'failed', error: 'x', attempts: 2 }])]]);
    const box = new Outbox(memoryStore(data), KEY);
    expect(box.list()).toEqual([{ id: 'ok', c: 'general', x: 'hi', at: 5, status: 'failed', attempts: 2, error: 'x' }]);
    expect(new Outbox(memoryStore(new Map([[KEY, '{not json']])), KEY).size).toBe(0);
  });

  it('emits a change whenever it changes', () => {
    const box = new Outbox(memoryStore(), KEY, { newId: ids() });
    let n = 0;
    box.changes.on(() => n++);
    box.add('general', 'a');
    box.begin('id1');
    box.succeeded('id1');
    expect(n).toBe(3);
  });
});

describe('what a failed send means', () => {
  it('does not wait out a mute: a muted member’s message is refused with the service’s words, whatever its retryAfter', () => {
    const muted = new TidingsError('FORBIDDEN', 'you are muted in club until 14:05 UTC', { retryAfter: 30 * 86_400 });
    expect(classifySendError(muted, 1)).toEqual({ kind: 'fail', reason: 'you are muted in club until 14:05 UTC' });
  });

  it('retries on a lost link, a timeout or an unavailable service', () => {
    expect(classifySendError(new TidingsError('UNAVAILABLE', 'no reply'), 1).kind).toBe('retry');
    expect(classifySendError(new Error('socket closed'), 1).kind).toBe('retry');
  });

  it('waits the retryAfter of a service whose database is briefly unavailable', () => {
    expect(classifySendError(new TidingsError('UNAVAILABLE', 'database busy', { retryAfter: 2 }), 1)).toEqual({
      kind: 'retry',
      afterMs: 2000,
      reason: 'database busy',
    });
  });

  it('waits the retryAfter the server asked for', () => {
    expect(classifySendError(new TidingsError('RATE_LIMITED', 'slow', { retryAfter: 7 }), 1)).toEqual({ kind: 'retry', afterMs: 7000, reason: 'slow' });
  });

  it('gives up on refusals at once and on internal errors after a few attempts', () => {
    for (const code of ['BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'FORBIDDEN', 'NOT_FOUND'] as const)
      expect(classifySendError(new TidingsError(code, 'no'), 1).kind).toBe('fail');
    expect(classifySendError(new TidingsError('INTERNAL', 'oops'), 1).kind).toBe('retry');
    expect(classifySendError(new TidingsError('INTERNAL', 'oops'), INTERNAL_ATTEMPTS).kind).toBe('fail');
  });

  it('backs off with a delay that never exceeds 30 s', () => {
    const delays = [1, 2, 3, 4, 10, 20].map((n) => classifySendError(new TidingsError('UNAVAILABLE', 'x'), n));
    for (const d of delays) {
      expect(d.kind).toBe('retry');
      if (d.kind === 'retry') expect(d.afterMs).toBeLessThanOrEqual(30_000);
    }
  });
});
