import { createRpcServer, type RunnableService } from '@tidings/service-kit';
import { topics } from '@tidings/protocol';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Seed, startServiceHarness, startSingleService, startTestStack, type TestServiceDeps, type TestStack } from '../src/index.js';

/** A stand-in auth service that only answers auth.whoami, so the harness can be tried without the real one. */
function whoamiService(deps: TestServiceDeps, onStop = () => {}): RunnableService & { started: boolean; stopped: boolean } {
  const rpc = createRpcServer({
    client: deps.client,
    logger: deps.logger,
    handlers: { 'auth.whoami': async (_request, ctx) => ({ username: ctx.caller.kind === 'user' ? ctx.caller.username : '?', createdAt: 0 }) },
  });
  const state = {
    started: false,
    stopped: false,
    async start() {
      await rpc.start();
      state.started = true;
    },
    async stop() {
      onStop();
      await rpc.close();
      state.stopped = true;
    },
  };
  return state;
}

async function health(stack: TestStack, service: string): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${stack.broker.httpPort}/healthz`);
  return ((await res.json()) as { services: Record<string, string> }).services[service];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('startServiceHarness', () => {
  it('starts the services on their own connections, signs users in by name, and close stops everything it opened', async () => {
    const mine: { client: MqttClient }[] = [];
    let openAtStop: number | undefined;
    const h = await startServiceHarness({
      backend: 'sqlite',
      services: { auth: (deps) => whoamiService(deps, () => (openAtStop = mine.filter((c) => c.client.connected).length)) },
    });
    cleanups.push(h.close);
    expect(h.services.auth.started).toBe(true);
    expect(await health(h.stack, 'auth')).toBe('up');

    const alice = await h.user('alice');
    expect(alice.client.options.clientId).toBe('alice:laptop');
    expect(await alice.request('auth.whoami', {})).toEqual({ username: 'alice', createdAt: 0 });

    const raw = await h.rawUser('alice');
    expect(raw.clientId).toBe('alice:raw');
    expect(await raw.send(topics.userRequest(raw.clientId, 'auth.whoami'), 'not json')).toMatchObject({ id: null, e: { code: 'BAD_REQUEST' } });
    const guest = await h.rawGuest();
    expect(guest.clientId).toMatch(/^g:/);

    mine.push(alice, raw, guest);
    expect(h.stack.broker.connectedClients()).toBe(4);
    await h.close();
    expect(h.services.auth.stopped).toBe(true);
    expect(openAtStop, 'the test connections are closed before the services stop').toBe(0);
    expect(alice.client.connected).toBe(false);
    expect(raw.client.connected).toBe(false);
    expect(guest.client.connected).toBe(false);
  });

  it('stops the services already started when a later one fails to start', async () => {
    let first: ReturnType<typeof whoamiService> | undefined;
    const failing = startServiceHarness({
      backend: 'sqlite',
      services: {
        auth: (deps) => (first = whoamiService(deps)),
        likes: () => {
          throw new Error('likes cannot start');
        },
      },
    });
    await expect(failing).rejects.toThrow('likes cannot start');
    expect(first?.stopped).toBe(true);
  });
});

describe('startSingleService', () => {
  it("addresses a raw user request by action, on the user's own request topic", async () => {
    const h = await startSingleService('sqlite', 'auth', whoamiService);
    cleanups.push(h.close);
    const raw = await h.rawUser('bob', 'cli');
    expect(raw.username).toBe('bob');
    expect(await raw.send('auth.whoami', JSON.stringify({ id: 'w1' }))).toEqual({ id: 'w1', r: { username: 'bob', createdAt: 0 } });
  });
});

describe('Seed', () => {
  it('numbers messages per conversation from the stored last sequence number, and counts what it wrote', async () => {
    const stack = await startTestStack();
    cleanups.push(stack.close);
    const seed = new Seed(stack.db);
    const before = await seed.counts();
    const room = await seed.room('lobby', ['alice', 'bob']);
    expect(room).toBe('room_lobby');
    expect(await seed.send(room, 'alice', 'one', 'two')).toBe(1);
    expect(await seed.sendMany(room, 'bob', 3)).toBe(3);
    const dm = await seed.dm('bob', 'alice');
    expect(dm).toBe('dm_alice:bob');
    expect(await seed.send(dm, 'bob', 'psst')).toBe(1);
    await seed.like(room, 1, 'bob');
    await seed.remove(room, 2);
    const texts = await stack.db.prisma.message.findMany({ where: { conversationId: room }, orderBy: { seq: 'asc' }, select: { text: true, likeCount: true } });
    expect(texts.map((m) => m.text)).toEqual(['one', 'two', 'message 1', 'message 2', 'message 3']);
    expect(texts[0]!.likeCount).toBe(1);
    const after = await seed.counts();
    const added = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
    expect(added).toEqual({ users: 2, conversations: 2, memberships: 4, messages: 6, reactions: 1, likeCount: 1, lastSeq: 6 });
  });
});
