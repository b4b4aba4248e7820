import path from 'node:path';
import { connectUser } from '@tidings/client';
import { Seed, createUserSession, describeServiceMain } from '@tidings/testkit';
import { expect } from 'vitest';

describeServiceMain({
  service: 'chat-query',
  script: path.resolve(import.meta.dirname, '../dist/main.js'),
  does: 'serves history',
  async before(stack) {
    const seed = new Seed(stack.db);
    await seed.send(await seed.room('general', ['alice']), 'alice', 'hello from before the start');
  },
  async exercise(stack) {
    const session = await createUserSession(stack, 'alice');
    const alice = await connectUser({ url: stack.url }, { username: 'alice', token: session.token, device: 'main-test' });
    const page = await alice.request('chat.history', { c: 'general' });
    expect(page.messages.map((m) => m.x)).toEqual(['hello from before the start']);
    await alice.close();
    return [session.token];
  },
  badSetting: { name: 'TIDINGS_LOG_LEVEL', value: 'chatty' },
});
