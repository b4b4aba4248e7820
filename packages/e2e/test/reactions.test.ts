import { createChatQuery } from '@tidings/chat-query';
import { createChatStore } from '@tidings/chat-store';
import { ConversationLog, type Connection } from '@tidings/client';
import { createLikes } from '@tidings/likes';
import { ConversationEvent, topics } from '@tidings/protocol';
import { describeBackends, startServiceHarness, type ServiceFactory, type ServiceHarness } from '@tidings/testkit';
import { afterEach, expect, it } from 'vitest';

/**
 * Reactions through the whole stack: chat-store stores the message, the likes service the
 * reactions, chat-query serves them in history, and the broker carries the live `r` events to a
 * member's log, which ends with what history says.
 */
type Services = { 'chat-store': ServiceFactory; 'chat-query': ServiceFactory; likes: ServiceFactory };

/** A client's log of one room, fed by history and its live events, as the CLI's and the web app's are. */
async function follow(conn: Connection, me: string, room: string): Promise<ConversationLog> {
  const log = new ConversationLog();
  conn.client.on('message', (topic, payload) => {
    if (topic === topics.room(room)) log.apply(ConversationEvent.parse(JSON.parse(payload.toString())), me);
  });
  await conn.client.subscribeAsync(topics.room(room), { qos: 1 });
  const page = await conn.request('chat.history', { c: room });
  log.addHistory(page.messages, page.lastSeq);
  return log;
}

describeBackends('reactions, end to end', (backend) => {
  let h: ServiceHarness<Services> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('gives reactions, sees them live on another member’s log and in history, and says who', async () => {
    h = await startServiceHarness({
      backend,
      services: {
        'chat-store': (deps) => createChatStore(deps),
        'chat-query': (deps) => createChatQuery(deps),
        likes: (deps) => createLikes(deps),
      },
    });
    const ann = await h.user('ann');
    const bob = await h.user('bob');
    await ann.request('room.create', { name: 'club' });
    await bob.request('room.join', { name: 'club' });
    const { s } = await ann.request('chat.send', { c: 'club', x: 'cake on friday' });
    const annLog = await follow(ann, 'ann', 'club');
    const bobPhone = await h.user('bob', 'phone');
    const bobPhoneLog = await follow(bobPhone, 'bob', 'club');

    expect(await bob.request('reaction.add', { c: 'club', s, e: '🎉' })).toEqual({ s, rx: { '🎉': 1 }, my: ['🎉'] });
    await bob.request('like.add', { c: 'club', s }); // an old client's like is ❤️
    await ann.request('reaction.add', { c: 'club', s, e: '🎉' });
    await expect.poll(() => annLog.get(s)).toMatchObject({ rx: { '❤️': 1, '🎉': 2 }, my: ['🎉'] });
    // bob's other device follows his own reactions from the live events
    await expect.poll(() => bobPhoneLog.get(s)).toMatchObject({ rx: { '❤️': 1, '🎉': 2 }, my: ['❤️', '🎉'] });

    const history = await bob.request('chat.history', { c: 'club' });
    expect(history.messages.find((m) => m.s === s)).toMatchObject({ rx: { '❤️': 1, '🎉': 2 }, my: ['❤️', '🎉'] });
    expect(await ann.request('reaction.who', { c: 'club', s })).toEqual({ s, rx: { '❤️': 1, '🎉': 2 }, who: { '❤️': ['bob'], '🎉': ['bob', 'ann'] } });

    await bob.request('reaction.remove', { c: 'club', s, e: '🎉' });
    await expect.poll(() => annLog.get(s)).toMatchObject({ rx: { '❤️': 1, '🎉': 1 } });
    await expect.poll(() => bobPhoneLog.get(s)?.my).toEqual(['❤️']);
  });
});
