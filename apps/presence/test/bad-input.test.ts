import { MAX_REQUEST_BYTES, topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, expectRow, presenceOf, startPresence, type PresenceHarness, type Received } from './helpers.js';

const typingIn = (room: string) => (m: Received) => m.topic === topics.room(room) && (m.json as { t?: string }).t === 'ty';

describeBackends('bad input', (backend) => {
  let h: PresenceHarness;
  afterEach(async () => h?.close());

  it('never gets device payloads other than 1 and 0 (the broker refuses them) and keeps following the device', async () => {
    h = await startPresence(backend);
    const watch = await h.recorder('watcher', [topics.presenceFilter]);
    const phone = await h.device('alice', 'phone');
    await watch.next((m) => m.topic === topics.presence('alice'));

    // The broker closes a device that publishes anything but 1 or 0 on its device topic, so junk
    // never reaches the service (parseDeviceMessage still refuses it: devices.test.ts). The junk
    // device's will `0` leaves alice online: her phone is still connected.
    const junk = ['yes', '2', '10', 'true', '{"on":false}', ' 0', 'x'.repeat(2000), '\u0000'];
    for (const payload of junk) {
      const other = await h.device('alice', 'junk');
      const closed = new Promise<void>((resolve) => other.client.once('close', () => resolve()));
      other.client.publish(topics.devicePresence('alice', other.clientId), payload, { qos: 1, retain: true });
      await closed;
    }
    await expectRow(h, 'alice', { online: true });
    expect(h.lines().filter((l) => l.includes('ignored a device presence message'))).toEqual([]);

    // Still serving: the real goodbye and a return are both seen, and nothing in between.
    await phone.say('0');
    await watch.next((m) => m.topic === topics.presence('alice') && (m.json as { on: boolean }).on === false);
    await phone.say('1');
    await watch.next((m) => m.topic === topics.presence('alice'), { from: watch.received.length });
    expect(presenceOf(watch, 'alice').map((e) => e.on)).toEqual([true, false, true]);
    await expectRow(h, 'alice', { online: true });
  });

  it('ignores malformed typing requests without replying, and keeps relaying', async () => {
    h = await startPresence(backend);
    await h.room('general', ['alice', 'bob']);
    // alice listens on her private reply topic: a one-way action never answers, even an error.
    const alice = await h.recorder('alice', []);
    await alice.client.subscribeAsync(topics.reply(alice.clientId), { qos: 1 });
    const bob = await h.recorder('bob', [topics.room('general')]);

    const notJson = ['not json', '{"c":', ''];
    const badSchema = [
      '[]',
      'null',
      '{}',
      JSON.stringify({ c: 'Not A Room!' }),
      JSON.stringify({ c: '@' }),
      JSON.stringify({ c: 'general/x' }),
      JSON.stringify({ c: 42 }),
      JSON.stringify({ c: 'x'.repeat(100) }),
    ];
    for (const payload of [...notJson, ...badSchema]) await alice.type(payload);
    await alice.type(JSON.stringify({ c: 'general', pad: 'x'.repeat(MAX_REQUEST_BYTES) })); // over the size cap
    await h.logged('one-way request is not JSON', notJson.length);
    await h.logged('one-way request does not match its schema', badSchema.length);

    await alice.type({ c: 'general' });
    const event = await bob.next(typingIn('general'));
    expect(event.json).toEqual({ t: 'ty', u: 'alice' });
    await h.logged('typing relayed');
    expect(bob.received).toHaveLength(1);
    // Had the oversized request been taken, it would have used alice's slot and this one would have been refused.
    expect(h.lines().filter((l) => l.includes('typing dropped: rate-limited'))).toEqual([]);
    expect(alice.received).toEqual([]);
  });
});
