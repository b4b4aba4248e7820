import { createRequire } from 'node:module';
import { parse as nodeParse } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { parse } = require('../src/vendor/node/url.cjs') as { parse: typeof nodeParse };

/** What mqtt.js's connect() reads from url.parse(brokerUrl, true). */
const fields = (u: ReturnType<typeof nodeParse>) => ({
  protocol: u.protocol,
  hostname: u.hostname,
  port: u.port,
  path: u.path,
  auth: u.auth,
  query: { ...(u.query as Record<string, string>) },
});

describe('the url.parse stand-in the browser build of mqtt.js uses', () => {
  it.each([
    'ws://127.0.0.1:8080/mqtt',
    'wss://chat.example.org/mqtt',
    'wss://chat.example.org:8443/tidings/mqtt?clientId=x&y=1',
    'ws://user:pa%20ss@localhost:9001/mqtt',
    'ws://localhost/',
    '/mqtt',
  ])('reads %s as Node does', (href) => {
    expect(fields(parse(href, true))).toEqual(fields(nodeParse(href, true)));
  });
});

describe('the other stand-ins', () => {
  it('keep mqtt.js logging silent and cheap', () => {
    const debug = require('../src/vendor/node/debug.cjs') as (name: string) => ((...a: unknown[]) => void) & { enabled: boolean };
    const log = debug('mqttjs');
    expect(log.enabled).toBe(false);
    expect(log('ignored')).toBeUndefined();
  });

  it('give mqtt.js working interval timers', async () => {
    const timers = require('../src/vendor/node/worker-timers.cjs') as { setInterval(fn: () => void, ms: number): number; clearInterval(id: number): void };
    let ticks = 0;
    const id = timers.setInterval(() => ticks++, 5);
    await new Promise((r) => setTimeout(r, 40));
    timers.clearInterval(id);
    const seen = ticks;
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toBeGreaterThan(0);
    expect(ticks).toBe(seen);
  });
});
