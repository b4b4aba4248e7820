import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, expectRow, presenceOf, startPresence, type PresenceHarness } from './helpers.js';

const isPresenceOf = (username: string) => (m: { topic: string }) => m.topic === topics.presence(username);

describeBackends('presence across restarts', (backend) => {
  let h: PresenceHarness;
  afterEach(async () => h?.close());

  it('rebuilds the device map from the retained device topics when the service starts again', async () => {
    h = await startPresence(backend);
    const watch = await h.recorder('watcher', [topics.presenceFilter]);
    const alicePhone = await h.device('alice', 'phone');
    const aliceLaptop = await h.device('alice', 'laptop');
    const bobPhone = await h.device('bob', 'phone', { keepalive: 1 });
    await watch.next(isPresenceOf('alice'));
    await watch.next(isPresenceOf('bob'));
    await expectRow(h, 'bob', { online: true });

    await h.stopService();
    // While no presence service runs: a device leaves, another drops, a new user comes.
    await aliceLaptop.leave();
    bobPhone.drop();
    await h.device('carol', 'phone');
    h.clock.advance(10_000);
    const from = watch.received.length;
    await h.startService();

    // bob has no connected device: set offline once the retained states have settled.
    const bobOff = await watch.next((m) => isPresenceOf('bob')(m) && (m.json as { on: boolean }).on === false, { from });
    expect(bobOff.json).toEqual({ on: false, at: h.clock.now() });
    await expectRow(h, 'bob', { online: false, lastSeenAt: new Date(h.clock.now()) });
    await expect(watch.next(isPresenceOf('carol'), { from })).resolves.toMatchObject({ json: { on: true } });
    await expectRow(h, 'carol', { online: true });
    await expectRow(h, 'alice', { online: true });

    // The service knows alice's phone is her only device: its going makes her offline.
    await alicePhone.leave();
    const aliceOff = await watch.next((m) => isPresenceOf('alice')(m) && (m.json as { on: boolean }).on === false, { from });
    expect(aliceOff.json).toMatchObject({ on: false });
    // Since the restart alice was never shown offline before her phone left.
    expect(presenceOf(watch, 'alice', from).map((e) => e.on)).toEqual([true, false]);
    await expectRow(h, 'alice', { online: false });
  });

  it('sets users offline that the database says are online but have no connected device', async () => {
    h = await startPresence(backend);
    await h.user('ghost');
    await h.stopService();
    await h.stack.db.prisma.user.update({ where: { username: 'ghost' }, data: { online: true } });
    const watch = await h.recorder('watcher', [topics.presence('ghost')]);
    await h.startService();
    const off = await watch.next(() => true);
    expect(off.json).toEqual({ on: false, at: h.clock.now() });
    await expectRow(h, 'ghost', { online: false, lastSeenAt: new Date(h.clock.now()) });
  });

  it('rebuilds after losing its own broker connection', async () => {
    h = await startPresence(backend);
    const watch = await h.recorder('watcher', [topics.presenceFilter]);
    await h.device('alice', 'phone');
    const bob = await h.device('bob', 'phone');
    await watch.next(isPresenceOf('alice'));
    await watch.next(isPresenceOf('bob'));
    await h.logged('presence rebuilt from the device topics'); // the first start has settled
    const from = watch.received.length;

    h.serviceClient().stream.destroy(); // the service's link drops; mqtt.js reconnects with backoff
    bob.drop();
    await h.logged('reconnected: rebuilding presence from the device topics');
    const bobOff = await watch.next(isPresenceOf('bob'), { from, ms: 10_000 });
    expect(bobOff.json).toMatchObject({ on: false });
    await expectRow(h, 'bob', { online: false });
    await h.logged('presence rebuilt from the device topics', 2);
    // alice stayed online throughout: republished as online (same "since"), never offline.
    expect(presenceOf(watch, 'alice', from).every((e) => e.on)).toBe(true);
    await expectRow(h, 'alice', { online: true });
  });

  it('ignores the retained device state of a user who no longer exists', async () => {
    h = await startPresence(backend);
    const watch = await h.recorder('watcher', [topics.presenceFilter]);
    await h.device('gone', 'phone');
    await watch.next(isPresenceOf('gone'));
    await h.stopService();
    await h.stack.db.prisma.user.delete({ where: { username: 'gone' } });
    const from = watch.received.length;
    await h.startService();
    await h.logged('ignored the device of an unknown user');
    await h.device('zed', 'phone'); // a marker: anything published for "gone" would come first
    await watch.next(isPresenceOf('zed'), { from });
    expect(watch.received.slice(from).filter(isPresenceOf('gone'))).toEqual([]);
  });
});
