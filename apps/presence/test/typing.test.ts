import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startPresence, type PresenceHarness, type Received } from './helpers.js';

const typingIn = (room: string) => (m: Received) => m.topic === topics.room(room) && (m.json as { t?: string }).t === 'ty';

async function counts(h: PresenceHarness) {
  const p = h.stack.db.prisma;
  const [users, sessions, conversations, memberships, messages, reactions] = await Promise.all([
    p.user.count(),
    p.session.count(),
    p.conversation.count(),
    p.membership.count(),
    p.message.count(),
    p.reaction.count(),
  ]);
  return { users, sessions, conversations, memberships, messages, reactions };
}

describeBackends('typing indicators', (backend) => {
  let h: PresenceHarness;
  afterEach(async () => h?.close());

  it('relays typing in a room to its members at QoS 0, unretained and never stored', async () => {
    h = await startPresence(backend);
    await h.room('general', ['alice', 'bob']);
    const alice = await h.recorder('alice', []);
    const bob = await h.recorder('bob', [topics.room('general')]);
    const before = await counts(h);

    await alice.type({ c: 'general' });
    const event = await bob.next(typingIn('general'));
    expect(event).toEqual({ topic: topics.room('general'), json: { t: 'ty', u: 'alice' }, qos: 0, retain: false });
    expect(await counts(h)).toEqual(before);

    // Nothing was left retained: a later subscriber sees only what comes after it.
    const late = await h.recorder('carol', [topics.room('general')]);
    await bob.type({ c: 'general' });
    await late.next(typingIn('general'));
    expect(late.received.map((m) => m.json)).toEqual([{ t: 'ty', u: 'bob' }]);
  });

  it('relays at most one typing event per user and conversation every 2 seconds', async () => {
    h = await startPresence(backend);
    await h.room('general', ['alice', 'bob']);
    await h.room('random', ['alice', 'bob']);
    const alice = await h.recorder('alice', []);
    const bob = await h.recorder('bob', [topics.room('general'), topics.room('random')]);

    await alice.type({ c: 'general' });
    await alice.type({ c: 'general' });
    await alice.type({ c: 'general' });
    await h.logged('typing dropped: rate-limited', 2);
    await alice.type({ c: 'random' }); // another conversation has its own limit
    await bob.next(typingIn('random'));
    await bob.type({ c: 'general' }); // and so has another user: a marker that comes after alice's
    await bob.next((m) => typingIn('general')(m) && (m.json as { u: string }).u === 'bob');
    expect(bob.received.filter(typingIn('general')).map((m) => m.json)).toEqual([
      { t: 'ty', u: 'alice' },
      { t: 'ty', u: 'bob' },
    ]);

    h.clock.advance(2000);
    const from = bob.received.length;
    await alice.type({ c: 'general' });
    await expect(bob.next(typingIn('general'), { from })).resolves.toMatchObject({ json: { t: 'ty', u: 'alice' } });
  });

  it('drops the typing of a non-member and typing in a room that does not exist', async () => {
    h = await startPresence(backend);
    await h.room('general', ['alice', 'bob']);
    await h.room('private-ish', ['carol']);
    const bob = await h.recorder('bob', [topics.room('general'), topics.room('nowhere')]);
    const carol = await h.recorder('carol', []);
    const alice = await h.recorder('alice', []);

    await carol.type({ c: 'general' });
    await carol.type({ c: 'nowhere' });
    await h.logged('typing dropped: no such room, or not a member', 2);
    await alice.type({ c: 'general' }); // the marker
    await bob.next(typingIn('general'));
    expect(bob.received.map((m) => m.json)).toEqual([{ t: 'ty', u: 'alice' }]);
  });

  it('drops typing in a private room by a non-member, and stops relaying a member the moment they are removed', async () => {
    h = await startPresence(backend);
    await h.room('secret', ['alice', 'bob']);
    await h.stack.db.prisma.conversation.update({ where: { name: 'secret' }, data: { private: true } });
    const bob = await h.recorder('bob', [topics.room('secret')]);
    const carol = await h.recorder('carol', []);
    const alice = await h.recorder('alice', []);

    await carol.type({ c: 'secret' });
    await h.logged('typing dropped: no such room, or not a member', 1);
    await alice.type({ c: 'secret' });
    await bob.next(typingIn('secret'));
    expect(bob.received.map((m) => m.json)).toEqual([{ t: 'ty', u: 'alice' }]);

    // Kicked (chat-store deletes the membership): membership is looked up per event, never cached.
    const p = h.stack.db.prisma;
    await p.membership.deleteMany({ where: { conversation: { name: 'secret' }, user: { username: 'alice' } } });
    h.clock.advance(2000);
    await alice.type({ c: 'secret' });
    await h.logged('typing dropped: no such room, or not a member', 2);
    await bob.type({ c: 'secret' }); // the marker
    await bob.next((m) => typingIn('secret')(m) && (m.json as { u: string }).u === 'bob');
    expect(bob.received.map((m) => m.json)).toEqual([
      { t: 'ty', u: 'alice' },
      { t: 'ty', u: 'bob' },
    ]);
  });

  it('names the typist from the topic the broker checked, never from the payload', async () => {
    h = await startPresence(backend);
    await h.room('general', ['alice', 'bob']);
    const alice = await h.recorder('alice', []);
    const bob = await h.recorder('bob', [topics.room('general')]);
    await alice.type({ c: 'general', u: 'mallory', t: 'm' });
    const event = await bob.next(typingIn('general'));
    expect(event.json).toEqual({ t: 'ty', u: 'alice' });
  });

  it("relays typing in a direct conversation to the other participant's inbox only", async () => {
    h = await startPresence(backend);
    await h.room('general', ['alice', 'bob', 'carol']);
    const alice = await h.recorder('alice', [topics.inbox('alice')]);
    const bob = await h.recorder('bob', [topics.inbox('bob'), topics.room('general')]);
    const carol = await h.recorder('carol', [topics.inbox('carol'), topics.room('general')]);
    // A third user cannot even listen on someone else's inbox.
    await expect(h.recorder('carol', [topics.inbox('bob')])).rejects.toThrow(/refused/);
    const before = await counts(h);

    await alice.type({ c: '@bob' });
    const event = await bob.next((m) => m.topic === topics.inbox('bob'));
    expect(event).toEqual({ topic: topics.inbox('bob'), json: { t: 'ty', u: 'alice', c: '@alice' }, qos: 0, retain: false });

    // Markers: whatever else the service published would reach carol and the room before these.
    await bob.type({ c: '@carol' });
    await carol.next((m) => m.topic === topics.inbox('carol'));
    await alice.type({ c: 'general' });
    await carol.next(typingIn('general'));
    await bob.next(typingIn('general'));
    expect(carol.received.map((m) => m.json)).toEqual([
      { t: 'ty', u: 'bob', c: '@bob' },
      { t: 'ty', u: 'alice' },
    ]);
    expect(bob.received.map((m) => m.json)).toEqual([
      { t: 'ty', u: 'alice', c: '@alice' },
      { t: 'ty', u: 'alice' },
    ]);
    expect(alice.received).toEqual([]); // the typist is not told about itself
    expect(await counts(h)).toEqual(before);
  });

  it('drops typing to an unknown user and to oneself', async () => {
    h = await startPresence(backend);
    const alice = await h.recorder('alice', [topics.inbox('alice')]);
    const bob = await h.recorder('bob', [topics.inbox('bob')]);
    await alice.type({ c: '@nobody' });
    await h.logged('typing dropped: no such user');
    await alice.type({ c: '@alice' });
    await h.logged('typing dropped: a conversation with oneself');
    await alice.type({ c: '@bob' }); // the marker
    await bob.next(() => true);
    expect(alice.received).toEqual([]);
    expect(bob.received.map((m) => m.json)).toEqual([{ t: 'ty', u: 'alice', c: '@alice' }]);
  });
});
