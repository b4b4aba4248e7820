import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, dmId, roomId, startChat, type ChatHarness } from './helpers.js';

describeBackends('editing and deleting messages', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  async function room() {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.request('room.join', { name: 'general' });
    await bob.request('room.join', { name: 'general' });
    const live = await h.watch(bob, topics.room('general'));
    const first = await alice.request('chat.send', { c: 'general', x: 'frist' });
    const bobs = await bob.request('chat.send', { c: 'general', x: 'bob was here' });
    return { alice, bob, live, first, bobs };
  }

  it('edits one’s own message: new text stored, edit time returned and published', async () => {
    const { alice, live, first } = await room();
    const edited = await alice.request('chat.edit', { c: 'general', s: first.s, x: '  first  ' });
    expect(edited.s).toBe(first.s);
    expect(edited.ed).toBeGreaterThanOrEqual(first.at);
    const [event] = await live.waitFor((e) => e.t === 'e');
    expect(event).toEqual({ t: 'e', s: first.s, x: 'first', ed: edited.ed });
    const [row] = await h.messages(roomId('general'));
    expect(row).toMatchObject({ seq: 1, text: 'first', deletedAt: null });
    expect(row!.editedAt?.getTime()).toBe(edited.ed);
  });

  it('deletes one’s own message, leaving a tombstone, and publishes it', async () => {
    const { alice, live, first } = await room();
    expect(await alice.request('chat.delete', { c: 'general', s: first.s })).toEqual({ s: first.s });
    const [event] = await live.waitFor((e) => e.t === 'd');
    expect(event).toEqual({ t: 'd', s: first.s });
    const rows = await h.messages(roomId('general'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ seq: 1, text: '' });
    expect(rows[0]!.deletedAt).toBeInstanceOf(Date);
    // the sequence goes on after a tombstone
    expect((await alice.request('chat.send', { c: 'general', x: 'third' })).s).toBe(3);
  });

  it('refuses to edit or delete someone else’s message, changing nothing', async () => {
    const { alice, bob, first, bobs } = await room();
    await expect(bob.request('chat.edit', { c: 'general', s: first.s, x: 'mine now' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bob.request('chat.delete', { c: 'general', s: first.s })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(alice.request('chat.delete', { c: 'general', s: bobs.s })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const rows = await h.messages(roomId('general'));
    expect(rows.map((r) => [r.text, r.editedAt, r.deletedAt])).toEqual([
      ['frist', null, null],
      ['bob was here', null, null],
    ]);
  });

  it('refuses to edit or delete a deleted message', async () => {
    const { alice, first } = await room();
    await alice.request('chat.delete', { c: 'general', s: first.s });
    await expect(alice.request('chat.edit', { c: 'general', s: first.s, x: 'back from the dead' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(alice.request('chat.delete', { c: 'general', s: first.s })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await h.messages(roomId('general')))[0]).toMatchObject({ text: '', editedAt: null });
  });

  it('answers NOT_FOUND for a message, room or conversation that does not exist, and applies the text rules to edits', async () => {
    const { alice, first } = await room();
    await expect(alice.request('chat.edit', { c: 'general', s: 99, x: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.request('chat.delete', { c: 'general', s: 99 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.request('chat.edit', { c: 'nowhere', s: 1, x: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.request('chat.delete', { c: '@bob', s: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.request('chat.edit', { c: 'general', s: first.s, x: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(alice.request('chat.edit', { c: 'general', s: first.s, x: 'y'.repeat(4001) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await h.messages(roomId('general')))[0]).toMatchObject({ text: 'frist', editedAt: null });
  });

  it('publishes edits and deletes of a direct message to both inboxes', async () => {
    h = await startChat(backend);
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const aliceInbox = await h.watch(alice, topics.inbox('alice'));
    const bobInbox = await h.watch(bob, topics.inbox('bob'));
    const sent = await alice.request('chat.send', { c: '@bob', x: 'hi' });
    const edited = await alice.request('chat.edit', { c: '@bob', s: sent.s, x: 'hello' });
    await alice.request('chat.delete', { c: '@bob', s: sent.s });
    expect(await bobInbox.waitFor((e) => e.t === 'e' || e.t === 'd', 2)).toEqual([
      { t: 'e', c: '@alice', s: 1, x: 'hello', ed: edited.ed },
      { t: 'd', c: '@alice', s: 1 },
    ]);
    expect(await aliceInbox.waitFor((e) => e.t === 'e' || e.t === 'd', 2)).toEqual([
      { t: 'e', c: '@bob', s: 1, x: 'hello', ed: edited.ed },
      { t: 'd', c: '@bob', s: 1 },
    ]);
    await expect(bob.request('chat.edit', { c: '@alice', s: sent.s, x: 'nope' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await h.messages(dmId('alice', 'bob')))[0]).toMatchObject({ text: '' });
  });
});
