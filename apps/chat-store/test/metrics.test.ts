import { metricsText } from '@tidings/service-kit';
import { afterEach, expect, it } from 'vitest';
import { startChat, type ChatHarness } from './helpers.js';

let h: ChatHarness | undefined;
afterEach(async () => h?.close());

/** The value of one series in the process's metrics (0 when absent). */
async function value(series: string): Promise<number> {
  const line = (await metricsText()).split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

it('counts requests by action and outcome, their latency, and the messages stored', async () => {
  h = await startChat('sqlite');
  const alice = await h.user('alice');
  const ok = 'tidings_requests_total{action="chat.send",outcome="ok"}';
  const refused = 'tidings_requests_total{action="chat.send",outcome="FORBIDDEN"}';
  const [okBefore, refusedBefore, storedBefore, timedBefore] = await Promise.all([
    value(ok),
    value(refused),
    value('tidings_messages_stored_total'),
    value('tidings_request_duration_seconds_count{action="chat.send"}'),
  ]);
  await alice.request('room.join', { name: 'general' });
  await alice.request('chat.send', { c: 'general', x: 'one' });
  await alice.request('chat.send', { c: 'general', x: 'two' });
  await alice.request('room.create', { name: 'quiet' });
  await alice.request('room.leave', { name: 'quiet' });
  await expect(alice.request('chat.send', { c: 'quiet', x: 'not a member' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect(await value(ok)).toBe(okBefore + 2);
  expect(await value(refused)).toBe(refusedBefore + 1);
  expect(await value('tidings_messages_stored_total')).toBe(storedBefore + 2);
  expect(await value('tidings_request_duration_seconds_count{action="chat.send"}')).toBe(timedBefore + 3);
  expect(await metricsText()).toMatch(/^tidings_writer_waiting 0$/m);
});
