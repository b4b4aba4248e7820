import { topics } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { RetainedIndex, type Packet } from '../src/index.js';
import { asService, asUser, createSession, harness, inbox } from './helpers.js';

const packet = (topic: string, payload = 'x'): Packet => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true });
const topicsOf = (index: RetainedIndex, ...filters: string[]) => [...index.match(filters)].map((p) => p.topic).sort();

describe('RetainedIndex', () => {
  const stored = ['t/d/alice/alice:laptop', 't/d/alice/alice:phone', 't/d/bob/bob:web', 't/p/alice', 't/p/bob', 't', 'a//b', '$SYS/x'];
  const index = () => {
    const i = new RetainedIndex();
    for (const t of stored) i.store(packet(t));
    return i;
  };

  it('finds an exact topic, and nothing for a topic without a retained message', () => {
    expect(topicsOf(index(), 't/p/alice')).toEqual(['t/p/alice']);
    expect(topicsOf(index(), 't/p/carol')).toEqual([]);
    expect(topicsOf(index(), 't/p')).toEqual([]);
  });

  it('matches + as exactly one non-empty level and # as zero or more levels, like aedes-persistence', () => {
    expect(topicsOf(index(), 't/p/+')).toEqual(['t/p/alice', 't/p/bob']);
    expect(topicsOf(index(), 't/d/+/+')).toEqual(['t/d/alice/alice:laptop', 't/d/alice/alice:phone', 't/d/bob/bob:web']);
    expect(topicsOf(index(), 't/d/alice/#')).toEqual(['t/d/alice/alice:laptop', 't/d/alice/alice:phone']);
    expect(topicsOf(index(), 't/#')).toEqual([...stored.filter((t) => t.startsWith('t/')), 't'].sort()); // 't/#' matches 't' too
    expect(topicsOf(index(), '+/+/b')).toEqual([]); // + does not match the empty level of a//b
    expect(topicsOf(index(), 'a/#')).toEqual(['a//b']);
    expect(topicsOf(index(), '#')).toEqual([...stored].sort());
    expect(topicsOf(index(), '+/p/alice', 't/+/alice')).toEqual(['t/p/alice']); // once, though two filters match
  });

  it('replaces a topic’s message and forgets it on an empty payload, pruning what is left empty', () => {
    const i = index();
    i.store(packet('t/p/alice', 'new'));
    expect([...i.match(['t/p/alice'])].map((p) => p.payload.toString())).toEqual(['new']);
    expect(i.size).toBe(stored.length);
    i.store(packet('t/p/alice', ''));
    i.store(packet('t/d/bob/bob:web', ''));
    i.store(packet('no/such/topic', ''));
    expect(i.size).toBe(stored.length - 2);
    expect(topicsOf(i, 't/p/+')).toEqual(['t/p/bob']);
    expect(topicsOf(i, 't/d/#')).toEqual(['t/d/alice/alice:laptop', 't/d/alice/alice:phone']);
    i.store(packet('t/d/bob/bob:web'));
    expect(topicsOf(i, 't/d/bob/+')).toEqual(['t/d/bob/bob:web']);
  });
});

describe('retained messages through the broker', () => {
  it('delivers the retained messages a wildcard subscription matches, not deleted ones', async () => {
    const h = await harness();
    const presence = await asService(h, 'presence');
    for (const name of ['alice', 'bob', 'carol']) {
      await presence.publishAsync(topics.presence(name), JSON.stringify({ on: true, at: 1 }), { qos: 1, retain: true });
    }
    await presence.publishAsync(topics.presence('bob'), '', { qos: 1, retain: true }); // deleted
    const reader = await asUser(h.broker.url, await createSession(h.db, 'dave'));
    const got = inbox(reader);
    await reader.subscribeAsync(topics.presenceFilter, { qos: 1 });
    await expect.poll(() => got.messages.map((m) => m.topic).sort()).toEqual([topics.presence('alice'), topics.presence('carol')]);
    expect(got.messages.every((m) => m.retain)).toBe(true);
  });
});
