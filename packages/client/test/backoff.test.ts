import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { backoffDelay, randomId, useBackoff, useNoDelay } from '../src/index.js';

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const top = (attempt: number) => backoffDelay(attempt, { baseMs: 500, maxMs: 30_000, random: () => 0.999999 });
    expect(top(0)).toBe(499);
    expect(top(1)).toBe(999);
    expect(top(3)).toBe(3999);
    expect(top(20)).toBe(29_999);
    expect(backoffDelay(5, { baseMs: 500, random: () => 0 })).toBe(125); // never below a quarter of the base
  });

  it('re-arms mqtt.js reconnectPeriod after each close and resets on connect', () => {
    let t = 0;
    const client = Object.assign(new EventEmitter(), { options: { reconnectPeriod: 1000 } });
    useBackoff(client, { baseMs: 100, maxMs: 10_000, random: () => 0.999999, now: () => t });
    const periods: number[] = [];
    for (let i = 0; i < 4; i++) {
      client.emit('reconnect');
      t += 500; // the attempt got somewhere before it failed
      client.emit('close');
      periods.push(client.options.reconnectPeriod);
    }
    expect(periods).toEqual([99, 199, 399, 799]);
    client.emit('connect');
    client.emit('reconnect');
    t += 500;
    client.emit('close');
    expect(client.options.reconnectPeriod).toBe(99);
  });

  it('tries again after about one base delay while attempts fail at once (no network, nothing listening)', () => {
    let t = 0;
    const client = Object.assign(new EventEmitter(), { options: { reconnectPeriod: 1000 } });
    useBackoff(client, { baseMs: 250, maxMs: 10_000, random: () => 0.5, now: () => t });
    for (let i = 0; i < 10; i++) {
      client.emit('reconnect');
      t += 5;
      client.emit('close');
      expect(client.options.reconnectPeriod).toBe(250);
    }
  });

  it('leaves a broker alone for 10–20 s after it answers "server unavailable" (its per-address cap)', () => {
    let t = 0;
    const client = Object.assign(new EventEmitter(), { options: { reconnectPeriod: 1000 } });
    useBackoff(client, { baseMs: 250, maxMs: 1000, random: () => 0.5, now: () => t });
    client.emit('reconnect');
    t += 2000;
    client.emit('error', Object.assign(new Error('Connection refused: Server unavailable'), { code: 3 }));
    client.emit('close');
    expect(client.options.reconnectPeriod).toBe(15_000);
  });
});

describe('random ids', () => {
  it('are url-safe, of the asked length and do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId(16)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});

describe('Nagle off', () => {
  it('turns off Nagle on the current stream and on every reconnect’s new stream', () => {
    const calls: boolean[] = [];
    const stream = () => ({ setNoDelay: (on: boolean) => calls.push(on) });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widened on purpose: the test swaps in a stream without setNoDelay
    const client = Object.assign(new EventEmitter(), { stream: stream() as unknown });
    useNoDelay(client);
    client.stream = stream();
    client.emit('connect');
    expect(calls).toEqual([true, true]);
    client.stream = {}; // a WebSocket stream has no switch: nothing breaks
    client.emit('connect');
    expect(calls).toEqual([true, true]);
  });
});
