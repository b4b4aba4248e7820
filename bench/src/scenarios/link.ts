import { profiles, scaleProfile, type LinkProfile } from '@tidings/linksim';
import { runLinkChat, type LinkChatResult } from '../link-chat.js';
import { brokerRestart, measureWebFirstLoad, pgReadOnly, type BrokerRestart, type PgReadOnly, type WebFirstLoad } from '../link-extra.js';
import { startSut } from '../sut.js';
import type { ScenarioContext } from './context.js';

/**
 * Bad links (docs/benchmarks.md, "Bad links"): a sender and a watcher, each behind its own
 * simulated link, 50 messages one every 2 s. `calm` (2 s round trip, 64 kbit/s) on both links;
 * `flaky` (calm + cuts every 10–30 s + two 20 s stalls) on both; `outage` (calm for the sender,
 * a 60 s outage on the watcher's link). Then: the web app's first load through `calm` in
 * Chromium; PostgreSQL read-only for 8 s under 900 sends; the broker killed and restarted.
 * Quick mode runs the same profiles ten times faster, and the database scenario shorter.
 */
export interface LinkResults {
  scale: number;
  chats: Partial<Record<'calm' | 'flaky' | 'outage', LinkChatResult & { profiles: { sender: string; watcher: string } }>>;
  web?: WebFirstLoad | { skipped: string };
  pgReadOnly?: PgReadOnly | { skipped: string };
  brokerRestart?: BrokerRestart;
}

const COUNT = 50;
const INTERVAL_MS = 2000;

export async function linkScenario(ctx: ScenarioContext): Promise<LinkResults> {
  const scale = ctx.quick ? 0.1 : 1;
  const s = (p: LinkProfile) => (scale === 1 ? p : scaleProfile(p, scale));
  const runs: [keyof LinkResults['chats'], LinkProfile, LinkProfile][] = [
    ['calm', s(profiles.calm), s(profiles.calm)],
    ['flaky', s(profiles.flaky), s(profiles.flaky)],
    ['outage', s(profiles.calm), s(profiles.outage)],
  ];
  const chats = {} as LinkResults['chats'];
  // BENCH_LINK_PROFILES=flaky,outage runs only those (while working on one of them).
  const only = process.env.BENCH_LINK_PROFILES?.split(',').filter(Boolean);
  const wanted = (name: string) => !only || only.includes(name);
  for (const [name, sender, watcher] of runs) {
    if (!wanted(name)) continue;
    ctx.progress(`${name}: ${COUNT} messages, one every ${(INTERVAL_MS * scale) / 1000} s`);
    const sut = await startSut({ services: ['auth', 'chat-store', 'chat-query'] });
    try {
      const r = await runLinkChat({
        sut,
        senderProfile: sender,
        watcherProfile: watcher,
        count: COUNT,
        intervalMs: INTERVAL_MS * scale,
        seed: 20261207,
        waitMs: 120_000,
        drainMs: Math.max(10_000, 60_000 * scale),
        progress: (m) => ctx.progress(`${name}: ${m}`),
      });
      chats[name] = { ...r, profiles: { sender: sender.name, watcher: watcher.name } };
      ctx.progress(
        `${name}: acked ${r.acked}/${r.sent}, not confirmed ${r.notConfirmed}, failed ${r.failed}; delivered ${r.delivered} (dup ${r.duplicates}, ordered ${r.inOrder}); ` +
          `delivery p50 ${r.delivery.p50} ms p90 ${r.delivery.p90} ms max ${r.delivery.max} ms` +
          (r.catchUp ? `; caught up ${r.catchUp.ms} ms after the link returned, ${r.catchUp.bytesPerMessage} B per missed message` : ''),
      );
    } finally {
      await sut.stop();
    }
  }
  const results: LinkResults = { scale, chats };
  if (wanted('web')) {
    ctx.progress('web: first load in Chromium through calm');
    results.web = await measureWebFirstLoad(scale, ctx.progress);
  }
  if (wanted('pg')) {
    ctx.progress('PostgreSQL read-only under a stream of sends');
    results.pgReadOnly = await pgReadOnly(ctx.quick, ctx.progress);
  }
  if (wanted('restart')) {
    ctx.progress('broker: kill -9 and restart');
    results.brokerRestart = await brokerRestart(ctx.progress);
  }
  return results;
}
