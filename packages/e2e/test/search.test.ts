import { createChatQuery } from '@tidings/chat-query';
import { createChatStore } from '@tidings/chat-store';
import { describeBackends, startServiceHarness, type ServiceFactory, type ServiceHarness } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';

/**
 * chat.search follows what chat-store writes, whatever its write path (on a SQLite file, a raw
 * batched INSERT; on PostgreSQL, Prisma): sends, edits and deletes go through the real chat-store,
 * and the search index (FTS5 triggers, a generated tsvector column) answers the next search.
 */
type Services = { 'chat-store': ServiceFactory; 'chat-query': ServiceFactory };

describeBackends('search through the real chat-store', (backend) => {
  let h: ServiceHarness<Services> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('finds sent messages, follows edits and deletes, and keeps rooms and DMs to those who may read them', async () => {
    h = await startServiceHarness({
      backend,
      services: {
        'chat-store': (deps) => createChatStore({ ...deps, settings: { sendRatePerSecond: 1000, sendBurst: 1000 } }),
        'chat-query': (deps) => createChatQuery(deps),
      },
    });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    await alice.request('room.create', { name: 'ops' });
    await bob.request('room.join', { name: 'ops' });
    const sent = await Promise.all(
      ['rollout of the ledger service', 'ledger rollback plan', 'coffee?', 'the ledger is green'].map((x) => alice.request('chat.send', { c: 'ops', x })),
    );
    const seqOf = (i: number) => sent[i]!.s;
    await alice.request('chat.send', { c: '@bob', x: 'private ledger numbers' });
    const refs = async (who: typeof alice, q: string) => (await who.request('chat.search', { q })).hits.map((hit) => hit.r);

    const all = await refs(bob, 'ledger');
    expect(all[0]).toBe('@alice#1');
    expect(all.slice(1).sort()).toEqual([0, 1, 3].map((i) => `ops#${seqOf(i)}`).sort());
    expect(await refs(carol, 'ledger')).toEqual([]);

    await alice.request('chat.edit', { c: 'ops', s: seqOf(0), x: 'rollout of the billing service' });
    await alice.request('chat.delete', { c: 'ops', s: seqOf(3) });
    expect((await refs(bob, 'ledger')).filter((r) => r.startsWith('ops'))).toEqual([`ops#${seqOf(1)}`]);
    expect(await refs(bob, 'billing')).toEqual([`ops#${seqOf(0)}`]);
    expect(await refs(bob, 'green')).toEqual([]);

    // carol joins: the room's history is hers to search now; the DM never is
    await carol.request('room.join', { name: 'ops' });
    expect(await refs(carol, 'ledger')).toEqual([`ops#${seqOf(1)}`]);
  });
});
