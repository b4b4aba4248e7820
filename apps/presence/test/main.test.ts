import path from 'node:path';
import { topics, userClientId } from '@tidings/protocol';
import { createUserSession, describeServiceMain, waitUntil } from '@tidings/testkit';
import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { rawConnect } from './helpers.js';

describeServiceMain({
  service: 'presence',
  script: path.resolve(import.meta.dirname, '../dist/main.js'),
  does: 'follows devices',
  env: { TIDINGS_PRESENCE_SETTLE_MS: '100' },
  async exercise(stack) {
    const { token } = await createUserSession(stack, 'alice');
    const clientId = userClientId('alice', 'phone');
    const clients: MqttClient[] = [];
    try {
      const watcher = await rawConnect(stack.url, { clientId: userClientId('alice', 'watch'), username: 'alice', password: token });
      clients.push(watcher);
      const seen = new Promise<unknown>((resolve) => watcher.on('message', (_t, p) => resolve(JSON.parse(p.toString('utf8')))));
      await watcher.subscribeAsync(topics.presence('alice'), { qos: 1 });
      const phone = await rawConnect(stack.url, { clientId, username: 'alice', password: token });
      clients.push(phone);
      await phone.publishAsync(topics.devicePresence('alice', clientId), '1', { qos: 1, retain: true });
      await expect(seen).resolves.toMatchObject({ on: true });
      await waitUntil('alice online in the database', async () =>
        (await stack.db.prisma.user.findUniqueOrThrow({ where: { username: 'alice' } })).online ? true : undefined,
      );
    } finally {
      await Promise.allSettled(clients.map((c) => c.endAsync(true)));
    }
    return [token];
  },
  badSetting: { name: 'TIDINGS_PRESENCE_SETTLE_MS', value: 'soon' },
});
