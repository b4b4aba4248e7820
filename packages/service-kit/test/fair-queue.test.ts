import { TidingsError } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { FairQueue, type FairQueueOptions, type LineTicket } from '../src/index.js';

/** Timers and a clock the test moves by hand: deadlines fire only when it says so. */
function manualTime() {
  let t = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => t,
    setTimer: (fn: () => void, ms: number) => {
      const id = ++seq;
      timers.set(id, { at: t + ms, fn });
      return id;
    },
    clearTimer: (h: unknown) => void timers.delete(h as number),
    advance(ms: number) {
      t += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > t) continue;
        timers.delete(id);
        timer.fn();
      }
    },
  };
}

/** Jobs that finish only when the test releases them, in the order they started. */
function gate() {
  const started: { label: string; release: () => void }[] = [];
  return {
    job(label: string) {
      return () =>
        new Promise<string>((resolve) => {
          started.push({ label, release: () => resolve(label) });
        });
    },
    started: () => started.map((s) => s.label),
    /** Finishes the oldest unfinished job. */
    async releaseNext() {
      const next = started.find((s) => s.release !== done);
      if (!next) throw new Error('no job is running');
      next.release();
      next.release = done;
      await flush();
    },
  };
}
const done = () => {};
const flush = () => new Promise((r) => setImmediate(r));

/** Runs a job in the line and records how it ended. */
function track<T>(p: Promise<T>) {
  const out: { value?: T; error?: TidingsError; settled: boolean } = { settled: false };
  p.then(
    (value) => Object.assign(out, { value, settled: true }),
    (error: TidingsError) => Object.assign(out, { error, settled: true }),
  );
  return out;
}

function line(options: Partial<FairQueueOptions> = {}) {
  const time = manualTime();
  const q = new FairQueue({ concurrency: 2, maxWaiting: 4, maxPerKey: 2, deadlineMs: 5000, initialJobMs: 300, ...time, ...options });
  return { q, time };
}
const as = (group: string, client = group): LineTicket => ({ group, caps: [`client:${client}`] });

describe('FairQueue', () => {
  it('runs at most `concurrency` jobs and lets at most `maxWaiting` wait; beyond that RATE_LIMITED with retryAfter', async () => {
    const { q } = line();
    const g = gate();
    const jobs = Array.from({ length: 7 }, (_, i) => track(q.run(as(`u${i}`), g.job(`u${i}`))));
    await flush();
    expect(g.started()).toEqual(['u0', 'u1']);
    expect(q.stats).toMatchObject({ running: 2, waiting: 4 });
    // the 7th found no place: refused at once, never run, told to wait for the line ahead (6 jobs / 2 × 300 ms → 1 s at least)
    expect(jobs[6]!.error).toBeInstanceOf(TidingsError);
    expect(jobs[6]!.error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
    for (let i = 0; i < 6; i++) expect(jobs[i]!.settled).toBe(false);
    for (let i = 0; i < 6; i++) await g.releaseNext();
    expect(g.started()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
    for (let i = 0; i < 6; i++) expect(jobs[i]!.value).toBe(`u${i}`);
    expect(q.stats).toMatchObject({ running: 0, waiting: 0, started: 6, refused: { full: 1 } });
  });

  it('caps each key at maxPerKey jobs in the line, waiting or running', async () => {
    const { q } = line();
    const g = gate();
    const a = [0, 1, 2].map((i) => track(q.run({ group: 'alice', caps: ['client:g:1'] }, g.job(`a${i}`))));
    // another group, same client: the client's cap holds across groups
    const b = track(q.run({ group: 'bob', caps: ['client:g:1'] }, g.job('b')));
    await flush();
    expect(a[2]!.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(b.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(q.stats.refused['per-key']).toBe(2);
    await g.releaseNext();
    // a place of the client is free again
    const c = track(q.run({ group: 'bob', caps: ['client:g:1'] }, g.job('c')));
    await g.releaseNext();
    await g.releaseNext();
    expect([a[0]!.value, a[1]!.value, c.value]).toEqual(['a0', 'a1', 'c']);
  });

  it('serves waiting groups round-robin, so one group’s flood does not hold back another', async () => {
    const { q } = line({ concurrency: 1, maxWaiting: 16, maxPerKey: 100 });
    const g = gate();
    track(q.run(as('first'), g.job('first')));
    const flood = Array.from({ length: 10 }, (_, i) => track(q.run({ group: 'flood', caps: [`client:f${i}`] }, g.job(`f${i}`))));
    const real = track(q.run(as('alice'), g.job('alice')));
    await flush();
    await g.releaseNext(); // first done: the flood's group came first
    await g.releaseNext(); // f0 done: now alice's turn, ahead of nine flood jobs
    expect(g.started()).toEqual(['first', 'f0', 'alice']);
    await g.releaseNext();
    expect(real.value).toBe('alice');
    expect(flood.filter((f) => f.settled)).toHaveLength(1);
  });

  it('when full, a job of a smaller group takes the place of the newest job of the largest group', async () => {
    const { q } = line({ concurrency: 1, maxWaiting: 4, maxPerKey: 100 });
    const g = gate();
    track(q.run(as('x'), g.job('x')));
    const flood = Array.from({ length: 4 }, (_, i) => track(q.run({ group: 'flood', caps: [`client:f${i}`] }, g.job(`f${i}`))));
    const more = track(q.run({ group: 'flood', caps: ['client:f9'] }, g.job('f9')));
    await flush();
    // the flood's own fifth is refused: it cannot displace itself
    expect(more.error).toMatchObject({ code: 'RATE_LIMITED' });
    const real = track(q.run(as('alice'), g.job('alice')));
    await flush();
    expect(flood[3]!.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(q.stats.refused).toMatchObject({ full: 1, displaced: 1 });
    expect(q.waitingIn('flood')).toBe(3);
    expect(q.waitingIn('alice')).toBe(1);
    await g.releaseNext(); // x
    await g.releaseNext(); // f0
    await g.releaseNext(); // alice
    expect(real.value).toBe('alice');
  });

  it('refuses a job still waiting at its deadline, and it never runs', async () => {
    const { q, time } = line({ concurrency: 1, deadlineMs: 5000 });
    const g = gate();
    const first = track(q.run(as('a'), g.job('a')));
    const second = track(q.run(as('b'), g.job('b')));
    time.advance(3000);
    const third = track(q.run(as('c'), g.job('c')));
    time.advance(2000); // b has waited 5 s: refused; c has waited 2 s
    await flush();
    expect(second.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(second.error!.retryAfter).toBeGreaterThanOrEqual(1);
    expect(third.settled).toBe(false);
    await g.releaseNext();
    expect(first.value).toBe('a');
    expect(g.started()).toEqual(['a', 'c']);
    await g.releaseNext();
    expect(third.value).toBe('c');
    // a started job has no deadline any more
    time.advance(60_000);
    expect(q.stats).toMatchObject({ started: 2, refused: { deadline: 1 } });
  });

  it('tells a refused job to wait for the line ahead at the measured pace of a job', async () => {
    const { q, time } = line({ concurrency: 2, maxWaiting: 2, initialJobMs: 1000 });
    const g = gate();
    for (const n of ['a', 'b', 'c', 'd']) track(q.run(as(n), g.job(n)));
    const refused = track(q.run(as('e'), g.job('e')));
    await flush();
    // four ahead, two at a time, a second each
    expect(refused.error).toMatchObject({ retryAfter: 2 });
    expect(q.retryAfterMs()).toBe(2000);
    time.advance(4000);
    await g.releaseNext(); // a job measured at 4 s moves the pace up
    expect(q.retryAfterMs()).toBeGreaterThan(2000);
  });

  it('passes a job’s error through and frees its place', async () => {
    const { q } = line({ concurrency: 1, maxPerKey: 1 });
    await expect(q.run(as('a'), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      q.run(as('a'), () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(q.run(as('a'), () => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(q.stats).toMatchObject({ running: 0, waiting: 0 });
  });

  it('serves a real user during a flood of 200 guests: bounded line, most of the flood refused at once', async () => {
    const { q } = line({ concurrency: 2, maxWaiting: 16, maxPerKey: 2 });
    const g = gate();
    // 200 guests, each its own client id, all trying accounts that do not exist (one group)
    const flood = Array.from({ length: 200 }, (_, i) => track(q.run({ group: 'no-account', caps: [`client:g:${i}`] }, g.job(`g${i}`))));
    await flush();
    expect(q.stats).toMatchObject({ running: 2, waiting: 16 });
    expect(flood.filter((f) => f.error?.code === 'RATE_LIMITED')).toHaveLength(182);
    const real = track(q.run({ group: 'account:alice', caps: ['client:g:alice'] }, g.job('alice')));
    await flush();
    expect(q.stats.waiting).toBe(16); // alice took a flood job's place
    await g.releaseNext();
    await g.releaseNext();
    expect(g.started().indexOf('alice')).toBeLessThanOrEqual(3);
    while (!real.settled) await g.releaseNext();
    expect(real.value).toBe('alice');
  });

  it('refuses nonsense settings', () => {
    expect(() => new FairQueue({ concurrency: 0, maxWaiting: 1, maxPerKey: 1, deadlineMs: 1 })).toThrow(/concurrency/);
    expect(() => new FairQueue({ concurrency: 1, maxWaiting: -1, maxPerKey: 1, deadlineMs: 1 })).toThrow(/maxWaiting/);
    expect(() => new FairQueue({ concurrency: 1, maxWaiting: 1, maxPerKey: 0, deadlineMs: 1 })).toThrow(/maxPerKey/);
    expect(() => new FairQueue({ concurrency: 1, maxWaiting: 1, maxPerKey: 1, deadlineMs: 0 })).toThrow(/deadlineMs/);
  });
});
