import { SessionRevokedEvent, topics } from '@tidings/protocol';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createLogger, createRevocationPublisher } from '../src/index.js';

/** Records what would be published; `failOn` makes that call (1-based) fail like a lost connection. */
function recordingClient(failOn?: number) {
  const published: { topic: string; event: SessionRevokedEvent; qos: number | undefined }[] = [];
  let calls = 0;
  const client = {
    async publishAsync(topic: string, payload: string, options: { qos?: number }) {
      calls += 1;
      if (calls === failOn) throw new Error('connection lost');
      published.push({ topic, event: SessionRevokedEvent.parse(JSON.parse(payload)), qos: options.qos });
    },
  } as unknown as MqttClient;
  return { client, published };
}

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ name: 'test', level: 'trace', destination: { write: (l: string) => void lines.push(l) } });
  return { logger, lines };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `session-${String(i).padStart(4, '0')}`);

describe('createRevocationPublisher', () => {
  it('sends after the current turn, in events of at most 200 session ids, on the session-revoked topic with QoS 1', async () => {
    const { client, published } = recordingClient();
    const revocations = createRevocationPublisher(client, capture().logger);
    revocations.announce({ sessionIds: ids(450), username: 'alice', reason: 'password-changed' });
    expect(published).toEqual([]);
    await revocations.flush();
    expect(published.map((p) => p.event.sessionIds.length)).toEqual([200, 200, 50]);
    expect(published.flatMap((p) => p.event.sessionIds)).toEqual(ids(450));
    for (const p of published) expect(p).toMatchObject({ topic: topics.sessionRevoked, qos: 1, event: { username: 'alice', reason: 'password-changed' } });
  });

  it('logs a failed send and goes on with the rest, without throwing', async () => {
    const { client, published } = recordingClient(1);
    const { logger, lines } = capture();
    const revocations = createRevocationPublisher(client, logger);
    revocations.announce({ sessionIds: ids(201), username: 'bob', reason: 'logout' });
    await revocations.flush();
    expect(published.map((p) => p.event.sessionIds)).toEqual([['session-0200']]);
    expect(lines.filter((l) => l.includes('could not announce revoked sessions'))).toHaveLength(1);
  });
});
