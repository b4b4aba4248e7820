import { searchWords, type SearchHit } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, startChatQuery, type QueryHarness } from './helpers.js';

const refs = (hits: SearchHit[]) => hits.map((h) => h.r);

describeBackends('chat.search', (backend) => {
  let h: QueryHarness;
  afterEach(async () => h?.close());

  it('finds words in the rooms the caller is in and their DMs, newest first, each hit with its reference', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice', 'bob']);
    const dm = await h.seed.dm('alice', 'bob');
    await h.seed.send(general, 'bob', 'the Deploy is at noon', 'lunch first', 'deployment went fine');
    await h.seed.send(dm, 'bob', 'did the deploy work?');
    const alice = await h.user('alice');

    const found = await alice.request('chat.search', { q: 'deploy' });
    expect(refs(found.hits)).toEqual(['@bob#1', 'general#3', 'general#1']);
    expect(found.more).toBe(false);
    expect(found.next).toBeUndefined();
    expect(found.hits[0]).toEqual({ c: '@bob', r: '@bob#1', s: 1, u: 'bob', x: 'did the deploy work?', at: expect.any(Number) });
    // every word must be there; case ignored; a word matches the start of a longer one
    expect(refs((await alice.request('chat.search', { q: 'DEPLOY noon' })).hits)).toEqual(['general#1']);
    expect(refs((await alice.request('chat.search', { q: 'lun' })).hits)).toEqual(['general#2']);
    expect((await alice.request('chat.search', { q: 'dinner' })).hits).toEqual([]);
    // bob sees the same DM as @alice
    const bob = await h.user('bob');
    expect(refs((await bob.request('chat.search', { q: 'work' })).hits)).toEqual(['@alice#1']);
  });

  it('never finds a room the caller is not in, nor anyone else’s direct conversation', async () => {
    h = await startChatQuery(backend);
    const secret = await h.seed.room('secret', ['alice', 'bob']);
    await h.seed.room('lobby', ['mallory']);
    const dm = await h.seed.dm('alice', 'bob');
    await h.seed.send(secret, 'alice', 'the launch code is tangerine');
    await h.seed.send(dm, 'bob', 'tangerine for you only');
    const mallory = await h.user('mallory');

    expect(await mallory.request('chat.search', { q: 'tangerine' })).toEqual({ hits: [], more: false });
    expect(await mallory.request('chat.search', { q: 'launch code' })).toEqual({ hits: [], more: false });
    await expect(mallory.request('chat.search', { q: 'tangerine', c: 'secret' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await mallory.request('chat.search', { q: 'tangerine', c: '@bob' })).toEqual({ hits: [], more: false });
    expect(await mallory.request('chat.search', { q: 'tangerine', c: '@alice' })).toEqual({ hits: [], more: false });
    await expect(mallory.request('chat.search', { q: 'tangerine', c: 'nowhere' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // a member finds them, and `c` narrows to one conversation
    const alice = await h.user('alice');
    expect(refs((await alice.request('chat.search', { q: 'tangerine' })).hits)).toEqual(['@bob#1', 'secret#1']);
    expect(refs((await alice.request('chat.search', { q: 'tangerine', c: 'secret' })).hits)).toEqual(['secret#1']);
    expect(refs((await alice.request('chat.search', { q: 'tangerine', c: '@bob' })).hits)).toEqual(['@bob#1']);
  });

  it('pages newest first with the cursor, each hit once', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    const other = await h.seed.room('other', ['alice']);
    await h.seed.sendMany(general, 'alice', 30, 'needle');
    await h.seed.sendMany(other, 'alice', 7, 'needle');
    await h.seed.sendMany(general, 'alice', 5, 'hay');
    const alice = await h.user('alice');

    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await alice.request('chat.search', { q: 'needle', limit: 8, ...(before ? { before } : {}) });
      pages++;
      expect(page.hits.length).toBeLessThanOrEqual(8);
      seen.push(...refs(page.hits));
      if (!page.more) {
        expect(page.next).toBeUndefined();
        break;
      }
      before = page.next!;
    }
    expect(pages).toBe(5);
    const expected = [...Array.from({ length: 7 }, (_, i) => `other#${7 - i}`), ...Array.from({ length: 30 }, (_, i) => `general#${30 - i}`)];
    expect(seen).toEqual(expected);
    expect(refs((await alice.request('chat.search', { q: 'needle' })).hits)).toEqual(expected.slice(0, 20)); // default limit 20
  });

  it('finds an edited message by its new words only, and a deleted one not at all', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.send(general, 'alice', 'meet at the harbour', 'harbour again', 'bring the harbour map');
    const alice = await h.user('alice');
    expect(refs((await alice.request('chat.search', { q: 'harbour' })).hits)).toEqual(['general#3', 'general#2', 'general#1']);

    await h.seed.edit(general, 1, 'meet at the station');
    await h.seed.remove(general, 2); // deletedAt only, as the seed does: the index must still drop it
    expect(refs((await alice.request('chat.search', { q: 'harbour' })).hits)).toEqual(['general#3']);
    const station = await alice.request('chat.search', { q: 'station' });
    expect(station.hits).toEqual([
      { c: 'general', r: 'general#1', s: 1, u: 'alice', x: 'meet at the station', at: expect.any(Number), ed: expect.any(Number) },
    ]);
    expect((await alice.request('chat.search', { q: 'again' })).hits).toEqual([]);
  });

  it('reads quotes, operators and punctuation as plain words, never as query syntax', async () => {
    h = await startChatQuery(backend);
    const general = await h.seed.room('general', ['alice']);
    await h.seed.send(general, 'alice', 'cats OR dogs: NEAR the barn & "quoted" words!', 'plain text here');
    const alice = await h.user('alice');
    const attempts = [
      '"',
      '"cats',
      'cats"',
      '* cats',
      'cats*',
      'NEAR(cats dogs)',
      'cats OR plain',
      'text:plain',
      'cats & dogs',
      '!cats',
      "'cats'",
      'cats AND NOT dogs',
      '^cats',
      '(cats',
      'cats)',
      '-cats',
      '\\cats',
      'col:"x" OR *',
      "cats' | 'plain",
      'cats <-> dogs',
    ];
    for (const q of attempts) {
      const reply = await alice.request('chat.search', { q }).catch((err: { code?: string; message?: string }) => err);
      if ('hits' in reply) {
        // only messages with every word of the query (as a word or its start)
        const wanted = searchWords(q).map((w) => w.toLowerCase());
        for (const hit of reply.hits) {
          const words = searchWords(hit.x).map((w) => w.toLowerCase());
          expect(
            wanted.every((w) => words.some((x) => x.startsWith(w))),
            `${q} found ${hit.x}`,
          ).toBe(true);
        }
      } else {
        expect(reply.code, `${q}: ${reply.message}`).toBe('BAD_REQUEST');
      }
    }
    // the operators are words like any other: `OR` is found where it is written
    expect(refs((await alice.request('chat.search', { q: 'cats OR dogs' })).hits)).toEqual(['general#1']);
    expect(refs((await alice.request('chat.search', { q: 'cats OR plain' })).hits)).toEqual([]);
    expect(refs((await alice.request('chat.search', { q: 'text:plain' })).hits)).toEqual(['general#2']);
    expect(refs((await alice.request('chat.search', { q: '"quoted" barn' })).hits)).toEqual(['general#1']);
  });

  it('answers bad input with BAD_REQUEST and one clear message', async () => {
    h = await startChatQuery(backend);
    await h.seed.room('general', ['alice']);
    const alice = await h.user('alice');
    const bad = async (payload: Record<string, unknown>, message: RegExp) =>
      expect(alice.request('chat.search', payload as never)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(message) });
    await bad({ q: '' }, /at least one word/);
    await bad({ q: '   ' }, /at least one word/);
    await bad({ q: '"*" !!' }, /at least one word/);
    await bad({ q: 'x'.repeat(201) }, /q/);
    await bad({ q: Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ') }, /at most 16 words/);
    await bad({ q: 'x', limit: 0 }, /limit/);
    await bad({ q: 'x', limit: 101 }, /limit/);
    await bad({ q: 'x', before: 'garbage' }, /before: not a cursor/);
    await bad({ q: 'x', before: '' }, /before/);
    await bad({}, /q/);
  });
});
