import path from 'node:path';
import { connectUser } from '@tidings/client';
import { topics } from '@tidings/protocol';
import { Seed, createUserSession, describeServiceMain } from '@tidings/testkit';
import { expect } from 'vitest';
import { watch } from './helpers.js';

describeServiceMain({
  service: 'likes',
  script: path.resolve(import.meta.dirname, '../dist/main.js'),
  does: 'serves likes and publishes their counts',
  async before(stack) {
    const seed = new Seed(stack.db);
    await seed.send(await seed.room('general', ['alice']), 'alice', 'hello from before the start');
  },
  async exercise(stack) {
    const session = await createUserSession(stack, 'alice');
    const alice = await connectUser({ url: stack.url }, { username: 'alice', token: session.token, device: 'main-test' });
    const room = await watch(alice.client, topics.room('general'));
    expect(await alice.request('like.add', { c: 'general', s: 1 })).toEqual({ s: 1, n: 1, me: true });
    expect(await room.next((e) => e.t === 'r')).toEqual({ t: 'r', s: 1, rx: { '❤️': 1 }, u: 'alice', e: '❤️', on: true });
    await alice.close();
    return [session.token];
  },
  badSetting: { name: 'TIDINGS_LOG_LEVEL', value: 'chatty' },
});
