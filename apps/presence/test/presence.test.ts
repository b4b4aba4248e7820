import { connectUser } from '@tidings/client';
import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, expectRow, presenceOf, silentLink, startPresence, type PresenceHarness } from './helpers.js';

describeBackends('presence from device connections', (backend) => {
  let h: PresenceHarness;
  afterEach(async () => h?.close());

  it('shows a user online when a device connects, and offline with last-seen when it leaves cleanly', async () => {
    h = await startPresence(backend);
    const watch = await h.recorder('watcher', [topics.presenceFilter]);
    const onAt = h.clock.now();
    const phone = await h.device('alice', 'phone');
    const on = await watch.next((m) => m.topic === topics.presence('alice'));
    expect(on.json).toEqual({ on: true, at: onAt });
    await expectRow(h, 'alice', { online: true, lastSeenAt: null });

    h.clock.advance(60_000);
    const offAt = h.clock.now();
    const from = watch.received.length;
    await phone.leave();
    const off = await watch.next((m) => m.topic === topics.presence('alice'), { from });
    expect(off.json).toEqual({ on: false, at: offAt });
    await expectRow(h, 'alice', { online: false, lastSeenAt: new Date(offAt) });
  });

  it('keeps the state retained on t/p/<username> for whoever subscribes later', async () => {
    h = await startPresence(backend);
    const first = await h.recorder('watcher', [topics.presence('alice')]);
    await h.device('alice', 'phone');
    await first.next((m) => m.topic === topics.presence('alice'));
    const late = await h.recorder('late', [topics.presence('alice')]);
    const seen = await late.next(() => true);
    expect(seen).toMatchObject({ retain: true, json: { on: true } });
  });

  it('shows a user offline through the last will when the socket is destroyed without DISCONNECT', async () => {
    h = await startPresence(backend);
    const watch = await h.recorder('watcher', [topics.presence('bob')]);
    const phone = await h.device('bob', 'phone', { keepalive: 1 });
    await watch.next((m) => (m.json as { on?: boolean }).on === true);
    h.clock.advance(5000);
    const from = watch.received.length;
    phone.drop();
    const off = await watch.next(() => true, { from });
    expect(off.json).toEqual({ on: false, at: h.clock.now() });
    await expectRow(h, 'bob', { online: false, lastSeenAt: new Date(h.clock.now()) });
  });

  it('shows a user offline within the keepalive window when the link goes silent (no FIN, no RST)', async () => {
    h = await startPresence(backend);
    const link = await silentLink(h.stack.broker.mqttPort);
    try {
      const watch = await h.recorder('watcher', [topics.presence('carol')]);
      // keepalive 1 s: the broker gives up after 1.5 s without a packet and publishes the will.
      await h.device('carol', 'phone', { keepalive: 1, via: link.port });
      await watch.next((m) => (m.json as { on?: boolean }).on === true);
      const from = watch.received.length;
      link.freeze();
      // Only the broker's keepalive can notice; the bound is generous, not a speed claim.
      const off = await watch.next(() => true, { from, ms: 10_000 });
      expect(off.json).toMatchObject({ on: false });
      await expectRow(h, 'carol', { online: false });
    } finally {
      await link.close();
    }
  });

  it('keeps a user online while a second device is connected, and offline once both are gone', async () => {
    h = await startPresence(backend);
    const watch = await h.recorder('watcher', [topics.presenceFilter]);
    const phone = await h.device('dana', 'phone', { keepalive: 1 });
    const laptop = await h.device('dana', 'laptop');
    await watch.next((m) => m.topic === topics.presence('dana'));

    phone.drop(); // the broker publishes the phone's will: 0
    await h.logged('device report', 3); // phone 1, laptop 1, phone 0
    // Anything the service published for dana would arrive before erin's event.
    const marker = await h.device('erin', 'phone');
    await watch.next((m) => m.topic === topics.presence('erin'));
    expect(presenceOf(watch, 'dana')).toEqual([{ on: true, at: expect.any(Number) }]);
    await expectRow(h, 'dana', { online: true });

    const from = watch.received.length;
    await laptop.leave();
    const off = await watch.next((m) => m.topic === topics.presence('dana'), { from });
    expect(off.json).toMatchObject({ on: false });
    await expectRow(h, 'dana', { online: false });
    await marker.leave();
  });

  it('follows a device signed in with @tidings/client: online once connected, offline after close()', async () => {
    h = await startPresence(backend);
    const watch = await h.recorder('watcher', [topics.presence('frank')]);
    const { token } = await h.user('frank');
    const conn = await connectUser({ url: h.stack.url }, { username: 'frank', token, device: 'laptop' });
    await watch.next((m) => (m.json as { on?: boolean }).on === true);
    await expectRow(h, 'frank', { online: true });
    const from = watch.received.length;
    await conn.close();
    await watch.next((m) => (m.json as { on?: boolean }).on === false, { from });
    await expectRow(h, 'frank', { online: false });
  });
});
