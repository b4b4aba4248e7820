import type { Counter, Limits, Verdict } from '@tidings/service-kit';
import type { ChatStoreSettings } from './settings.js';

/** What the send handlers need of the send limit: take a point, give one back. */
export interface SendBudget {
  take(username: string): Promise<Verdict>;
  refund(username: string): Promise<void>;
}

/**
 * The send limit (messages and room actions per user) as two fixed-window counters, so that it
 * behaves like the token bucket it replaced on a link that stalls:
 *
 *   steady  ⌈rate⌉ per second (for a rate under 1/s: one per ⌈1/rate⌉ s), taken first;
 *   burst   the rest of `sendBurst` per ⌈burst / rate⌉ s, taken only when steady has none left.
 *
 * At once a user sends at most `sendBurst` (20); a steady typist never touches the burst; and a
 * backlog that lands together after a stall (a flaky link: everything typed in 2 s arrives at
 * once) is taken by the steady second plus the burst instead of being refused. One counter of
 * 20 per 2 s refused such a backlog whenever the window had already counted the messages before
 * the stall: the bad-links benchmark's flaky sender was told "rate-limited" four times and its
 * messages were stored out of the order typed. The longest sustained rate is rate + the burst's
 * share (15/s with the defaults 10/s and 20), documented with the settings.
 */
export function createSendBudget(limits: Limits, settings: Pick<ChatStoreSettings, 'sendBurst' | 'sendRatePerSecond'>): SendBudget {
  const steadySeconds = Math.max(1, Math.ceil(1 / settings.sendRatePerSecond));
  const steadyPoints = Math.min(settings.sendBurst, Math.max(1, Math.floor(settings.sendRatePerSecond * steadySeconds)));
  const steady = limits.counter({ name: 'chat:send', points: steadyPoints, durationMs: steadySeconds * 1000 });
  const burstPoints = settings.sendBurst - steadyPoints;
  const burst: Counter | null = burstPoints > 0 ? limits.counter({ name: 'chat:send-burst', points: burstPoints, durationMs: sendWindowMs(settings) }) : null;
  return {
    async take(username) {
      const first = await steady.take(username);
      if (first.allowed || !burst) return first;
      const second = await burst.take(username);
      // Refused by both: the steady window ends first.
      return second.allowed ? second : { allowed: false, retryAfterMs: Math.min(first.retryAfterMs, second.retryAfterMs) };
    },
    async refund(username) {
      // Back to the burst when it was used (its window is the longer), else to the steady one.
      if (burst && ((await burst.get(username))?.count ?? 0) > 0) await burst.refund(username);
      else await steady.refund(username);
    },
  };
}

/** The burst's window: burst / rate seconds, whole and at least one (2 s by default). */
export function sendWindowMs(settings: Pick<ChatStoreSettings, 'sendBurst' | 'sendRatePerSecond'>): number {
  return Math.max(1, Math.ceil(settings.sendBurst / settings.sendRatePerSecond)) * 1000;
}
