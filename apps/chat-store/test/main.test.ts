import path from 'node:path';
import { connectUser } from '@tidings/client';
import { createUserSession, describeServiceMain } from '@tidings/testkit';
import { expect } from 'vitest';

describeServiceMain({
  service: 'chat-store',
  script: path.resolve(import.meta.dirname, '../dist/main.js'),
  does: 'stores messages',
  env: { TIDINGS_SEND_BURST: '2', TIDINGS_SEND_RATE: '0.01' },
  async exercise(stack) {
    const session = await createUserSession(stack, 'alice');
    const alice = await connectUser({ url: stack.url }, { username: 'alice', token: session.token, device: 'main-test' });
    await alice.request('room.join', { name: 'general' });
    expect(await alice.request('chat.send', { c: 'general', x: 'one' })).toMatchObject({ s: 1 });
    expect(await alice.request('chat.send', { c: 'general', x: 'two' })).toMatchObject({ s: 2 });
    // TIDINGS_SEND_BURST=2 and TIDINGS_SEND_RATE=0.01 (one message per 100 s) took effect
    await expect(alice.request('chat.send', { c: 'general', x: 'three' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await alice.close();
    expect(await stack.db.prisma.message.count()).toBe(2);
    return [session.token];
  },
  badSetting: { name: 'TIDINGS_SEND_BURST', value: 'lots' },
});
