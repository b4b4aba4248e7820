import { topics } from '@tidings/protocol';
import { afterEach, expect, it } from 'vitest';
import { describeBackends, dmId, isContiguous, roomId, startChat, type ChatHarness, type RawUser, type Reply } from './helpers.js';

/** Total messages of the stress test (the figure is 1,000); set TIDINGS_TEST_SEND_TOTAL to change it. */
const TOTAL = Number(process.env.TIDINGS_TEST_SEND_TOTAL ?? 1000);
const CLIENTS = 10;

/** A small seeded PRNG (mulberry32), so a failing run can be repeated with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describeBackends('many senders at once', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  it(`stores each of ${TOTAL} messages from ${CLIENTS} concurrent clients exactly once, with retries of the same id, numbered 1..n per conversation`, async () => {
    const seed = Number(process.env.TIDINGS_TEST_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    h = await startChat(backend, { settings: { sendBurst: 1_000_000, sendRatePerSecond: 1_000_000 } });
    const names = Array.from({ length: CLIENTS }, (_, i) => `user${i}`);
    const clients: RawUser[] = [];
    for (const name of names) {
      const raw = await h.raw(name);
      expect(await raw.call('room.join', `join-${name}`, { name: 'general' })).toMatchObject({ r: expect.anything() });
      clients.push(raw);
    }
    const observer = await h.user('observer');
    const live = await h.watch(observer, topics.room('general'));

    // Each client sends its share at once; about a third of the ids are sent again 1–3 times,
    // some back to back with the first copy, some after its ack.
    const perClient = Math.ceil(TOTAL / CLIENTS);
    const plan = clients.map((raw, ci) =>
      Array.from({ length: perClient }, (_, k) => ({
        raw,
        id: `${raw.username}-${k}`,
        c: random() < 0.8 ? 'general' : `@${names[(ci + 1) % CLIENTS]}`,
        x: `message ${k} from ${raw.username}`,
        copies: random() < 0.33 ? 1 + Math.floor(random() * 3) : 0,
        late: random() < 0.5,
      })),
    );
    const sends = plan.flat().slice(0, TOTAL);
    const replies = new Map<string, Reply[]>();
    const keep = (id: string, r: Reply) => replies.set(id, [...(replies.get(id) ?? []), r]);
    await Promise.all(
      sends.map(async (m) => {
        const body = { c: m.c, x: m.x };
        const first = m.raw.call('chat.send', m.id, body, 30_000);
        const early = m.late ? [] : Array.from({ length: m.copies }, () => m.raw.call('chat.send', m.id, body, 30_000));
        keep(m.id, await first);
        for (const r of await Promise.all(early)) keep(m.id, r);
        if (m.late) for (let i = 0; i < m.copies; i++) keep(m.id, await m.raw.call('chat.send', m.id, body, 30_000));
      }),
    );

    // Every reply is an ack, and every copy of one id got the same ack.
    const acks = new Map<string, { s: number; at: number }>();
    for (const m of sends) {
      const rs = replies.get(m.id)!;
      expect(rs, `seed ${seed}: replies to ${m.id}`).toHaveLength(1 + m.copies);
      for (const r of rs) expect(r, `seed ${seed}: ${m.id}`).toMatchObject({ r: rs[0]!.r });
      acks.set(m.id, rs[0]!.r as { s: number; at: number });
    }

    // Every acked message is stored exactly once, where its ack says.
    const rows = await h.stack.db.prisma.message.findMany({
      select: { conversationId: true, seq: true, clientKey: true, sender: { select: { username: true } } },
    });
    expect(rows).toHaveLength(sends.length);
    const byKey = new Map(rows.map((r) => [`${r.sender.username}/${r.clientKey}`, r]));
    expect(byKey.size).toBe(sends.length);
    for (const m of sends) {
      const row = byKey.get(`${m.raw.username}/${m.id}`);
      const conversationId = m.c === 'general' ? roomId('general') : dmId(m.raw.username, m.c.slice(1));
      expect(row, `seed ${seed}: ${m.id}`).toMatchObject({ conversationId, seq: acks.get(m.id)!.s });
    }

    // Each conversation is numbered 1..n, and its lastSeq is n.
    const conversations = await h.stack.db.prisma.conversation.findMany({ select: { id: true, lastSeq: true } });
    for (const conv of conversations) {
      const seqs = rows
        .filter((r) => r.conversationId === conv.id)
        .map((r) => r.seq)
        .sort((a, b) => a - b);
      expect(isContiguous(seqs), `seed ${seed}: ${conv.id} numbered 1..${seqs.length}`).toBe(true);
      expect(conv.lastSeq).toBe(seqs.length);
    }

    // A member watching the room got every message once, in order.
    const inGeneral = sends.filter((m) => m.c === 'general').length;
    const events = await live.waitFor((e) => e.t === 'm', inGeneral, 15_000);
    expect(events.map((e) => (e.t === 'm' ? e.s : 0))).toEqual(Array.from({ length: inGeneral }, (_, i) => i + 1));
  }, 60_000);
});
