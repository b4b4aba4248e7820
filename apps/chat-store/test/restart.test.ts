import { afterEach, expect, it } from 'vitest';
import { describeBackends, isContiguous, roomId, startChat, type ChatHarness, type RawUser } from './helpers.js';

const CLIENTS = 3;
const PER_CLIENT = 40;
const WINDOW = 4;

describeBackends('restarts', (backend) => {
  let h: ChatHarness;
  afterEach(async () => h?.close());

  /** Sends like a real client on a lossy link: no ack within the timeout → resend with the same id. */
  async function sendReliably(raw: RawUser, id: string, x: string): Promise<{ s: number; at: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await raw.call('chat.send', id, { c: 'general', x }, 1500);
        if (!reply.e) return reply.r as { s: number; at: number };
        throw new Error(`${id}: ${reply.e?.code} ${reply.e?.message}`);
      } catch (err) {
        if (attempt >= 15) throw err;
      }
    }
  }

  async function run(interrupt: () => Promise<unknown>) {
    h = await startChat(backend, { settings: { sendBurst: 1000 } });
    const clients: RawUser[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const raw = await h.raw(`user${i}`);
      expect(await raw.call('room.join', 'join', { name: 'general' })).toMatchObject({ r: expect.anything() });
      clients.push(raw);
    }
    const acks = new Map<string, { s: number; at: number }>();
    let interrupted: Promise<unknown> | undefined;
    const onAck = (key: string, ack: { s: number; at: number }) => {
      acks.set(key, ack);
      if (acks.size === 30) interrupted = interrupt(); // mid-stream, while others are in flight
    };
    await Promise.all(
      clients.map(async (raw) => {
        let next = 0;
        const worker = async () => {
          while (next < PER_CLIENT) {
            const k = next++;
            onAck(`${raw.username}/m${k}`, await sendReliably(raw, `m${k}`, `message ${k} of ${raw.username}`));
          }
        };
        await Promise.all(Array.from({ length: WINDOW }, worker));
      }),
    );
    expect(interrupted, 'the service was interrupted mid-stream').toBeDefined();
    await interrupted;

    // Every acked message is stored once, at its acked number, and the numbers run 1..n.
    const rows = await h.stack.db.prisma.message.findMany({
      where: { conversationId: roomId('general') },
      select: { seq: true, clientKey: true, createdAt: true, sender: { select: { username: true } } },
      orderBy: { seq: 'asc' },
    });
    expect(rows).toHaveLength(CLIENTS * PER_CLIENT);
    expect(isContiguous(rows.map((r) => r.seq))).toBe(true);
    for (const r of rows) {
      expect(acks.get(`${r.sender.username}/${r.clientKey}`), `${r.sender.username}/${r.clientKey}`).toEqual({ s: r.seq, at: r.createdAt.getTime() });
    }
    const conv = await h.stack.db.prisma.conversation.findUniqueOrThrow({ where: { id: roomId('general') } });
    expect(conv.lastSeq).toBe(CLIENTS * PER_CLIENT);
  }

  it('loses nothing acked and numbers on without gaps or duplicates when chat-store is restarted mid-stream', async () => {
    await run(() => h.restart());
  });

  it('loses nothing acked and numbers on without gaps or duplicates when chat-store loses its broker connection mid-stream', async () => {
    await run(() => h.crash());
  });
});
