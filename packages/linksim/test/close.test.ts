import net from 'node:net';
import { expect, it } from 'vitest';
import { createLink, profiles, scaleProfile } from '../src/index.js';
import { closed, connect, echoServer, roundTrip, waitFor } from './helpers.js';

function count(resources: string[]) {
  const n: Record<string, number> = {};
  for (const r of resources) n[r] = (n[r] ?? 0) + 1;
  return n;
}

it('close() stops every timer, socket and the listener, and the link refuses further use', async () => {
  const echo = await echoServer();
  const before = count(process.getActiveResourcesInfo());
  const link = await createLink({ target: { port: echo.port }, profile: scaleProfile(profiles.flaky, 0.1), seed: 9 });
  const [a, b] = [await connect(link.port), await connect(link.port)];
  await roundTrip(a);
  b.write('in flight when the link closes');
  link.stall(5_000);
  a.write('queued behind the stall');
  link.outage(5_000); // refuses the next connection, one round trip later
  const refused = await connect(link.port);

  await link.close();
  await Promise.all([closed(a), closed(b), closed(refused)]);
  await waitFor(() => echo.sockets.every((s) => s.destroyed), 'the target side to close');
  const after = count(process.getActiveResourcesInfo());
  expect(after['TCPSocketWrap'] ?? 0).toBe(before['TCPSocketWrap'] ?? 0);
  expect(after['TCPServerWrap'] ?? 0).toBe(before['TCPServerWrap'] ?? 0);
  expect(after['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);

  expect(link.stats.open).toBe(0);
  await link.close(); // again: nothing to do
  expect(() => link.cut()).toThrow(expect.objectContaining({ name: 'LinkError', code: 'CLOSED' }));
  expect(() => link.setProfile(profiles.none)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  const late = net.connect({ host: '127.0.0.1', port: link.port });
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => late.once('error', resolve));
  expect(error.code).toBe('ECONNREFUSED');
});
