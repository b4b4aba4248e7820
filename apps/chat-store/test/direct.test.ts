import { Directory } from '../src/directory.js';
import { topics } from '@tidings/protocol';
import { afterEach, expect, it, vi } from 'vitest';
import { describeBackends, dmId, grantOf, isContiguous, startChat, type ChatHarness } from './helpers.js';

describeBackends('direct messages', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  it('delivers to both participants’ inboxes, each naming the conversation by the other person', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const aliceInbox = await h.watch(alice, topics.inbox('alice'));
    const bobInbox = await h.watch(bob, topics.inbox('bob'));

    const first = await alice.request('chat.send', { c: '@bob', x: 'hi bob' });
    expect(first.s).toBe(1);
    const reply = await bob.request('chat.send', { c: '@alice', x: 'hi alice' });
    expect(reply.s).toBe(2);

    const [toBob1, toBob2] = await bobInbox.waitFor((e) => e.t === 'm', 2);
    expect(toBob1).toEqual({ t: 'm', c: '@alice', s: 1, u: 'alice', x: 'hi bob', at: first.at });
    expect(toBob2).toEqual({ t: 'm', c: '@alice', s: 2, u: 'bob', x: 'hi alice', at: reply.at });
    const toAlice = await aliceInbox.waitFor((e) => e.t === 'm', 2);
    expect(toAlice.map((e) => (e.t === 'm' ? [e.c, e.s, e.u] : []))).toEqual([
      ['@bob', 1, 'alice'],
      ['@bob', 2, 'bob'],
    ]);

    const conv = await h.stack.db.prisma.conversation.findUniqueOrThrow({ where: { dmKey: 'alice:bob' }, include: { members: { include: { user: true } } } });
    expect(conv.kind).toBe('dm');
    expect(conv.lastSeq).toBe(2);
    expect(conv.members.map((m) => m.user.username).sort()).toEqual(['alice', 'bob']);
    expect(conv.members.find((m) => m.user.username === 'bob')?.lastReadSeq).toBe(2);
    expect(conv.members.find((m) => m.user.username === 'alice')?.lastReadSeq).toBe(1);
  });

  it('makes exactly one conversation when both people write first at the same time', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => alice.request('chat.send', { c: '@bob', x: `a${i}` })),
      ...Array.from({ length: 5 }, (_, i) => bob.request('chat.send', { c: '@alice', x: `b${i}` })),
    ]);
    const convs = await h.stack.db.prisma.conversation.findMany({ where: { kind: 'dm' } });
    expect(convs.map((c) => c.dmKey)).toEqual(['alice:bob']);
    expect(await h.stack.db.prisma.membership.count({ where: { conversationId: convs[0]!.id } })).toBe(2);
    const seqs = (await h.messages(dmId('alice', 'bob'))).map((m) => m.seq);
    expect(seqs).toHaveLength(10);
    expect(isContiguous(seqs)).toBe(true);
  });

  it('answers a copy of a first direct message with its ack even when the copy looked the conversation up before the first made it', async () => {
    h = await startChat(backend);
    const alice = await h.raw('alice');
    await h.user('bob');
    expect(await alice.call('room.join', 'warm', { name: 'general' })).toMatchObject({ r: expect.anything() }); // alice is cached
    // The copy's lookup (the second of the direct conversation) answers "none", as it was when it
    // ran, but only once the first send has been stored: the race a bad link makes by sending again.
    const original = Directory.prototype.dm;
    const lookup = vi.spyOn(Directory.prototype, 'dm');
    let release!: () => void;
    const stored = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    lookup.mockImplementation(async function (this: Directory, a: string, b: string) {
      const result = await original.call(this, a, b);
      if (++calls === 2) await stored;
      return result;
    });
    try {
      const first = alice.call('chat.send', 'hello-bob', { c: '@bob', x: 'hi' });
      const copy = alice.call('chat.send', 'hello-bob', { c: '@bob', x: 'hi' });
      const ack = await first;
      release();
      expect(ack).toMatchObject({ r: { s: 1 } });
      expect(await copy).toEqual(ack);
      expect(await h.stack.db.prisma.message.count()).toBe(1);
    } finally {
      lookup.mockRestore();
    }
  });

  it('refuses a message to yourself or to an unknown user, writing nothing', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const before = await h.counts();
    await expect(alice.request('chat.send', { c: '@alice', x: 'note to self' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(alice.request('chat.send', { c: '@nobody', x: 'hello?' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.counts()).toEqual(before);
  });

  it('lets no third user read a direct conversation live: the broker refuses their subscription to the inboxes', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const bobInbox = await h.watch(bob, topics.inbox('bob'));

    const seen: string[] = [];
    carol.client.on('message', (topic) => seen.push(topic));
    for (const filter of [topics.inbox('alice'), topics.inbox('bob'), topics.inbox('+'), 't/inbox/#', 't/#', '#']) {
      expect(await grantOf(carol.client, filter), `carol subscribing to ${filter}`).toBe(128);
    }
    // carol's own inbox is hers; `@alice` from carol is carol's own conversation with alice
    const carolInbox = await h.watch(carol, topics.inbox('carol'));

    await alice.request('chat.send', { c: '@bob', x: 'a secret' });
    await bobInbox.waitFor((e) => e.t === 'm');
    await carol.request('chat.send', { c: '@alice', x: 'hello alice' });
    await carolInbox.waitFor((e) => e.t === 'm');
    expect(carolInbox.events).toEqual([expect.objectContaining({ t: 'm', c: '@alice', u: 'carol', x: 'hello alice', s: 1 })]);
    expect(seen.filter((t) => t !== topics.inbox('carol') && !t.startsWith('t/r/'))).toEqual([]);
    expect(await h.stack.db.prisma.conversation.count({ where: { kind: 'dm' } })).toBe(2);
  });
});
