import { EVENTS_LIMIT_MAX } from '@tidings/protocol';
import { requireSession, withSession } from '../broker.js';
import { UsageError, defineCommand } from '../command.js';
import { describeEvent } from './recovery-common.js';
import { formatTime } from './shared.js';

export default defineCommand({
  name: 'events',
  summary: 'Show what happened to your account: sign-ins, password changes and resets, recovery',
  description: `Newest first; --limit (1–${EVENTS_LIMIT_MAX}, default 20) says how many.`,
  options: { limit: { type: 'string', value: 'n', help: `How many events (1–${EVENTS_LIMIT_MAX})` } },
  async run(ctx) {
    let limit: number | undefined;
    if (ctx.options.limit !== undefined) {
      limit = Number(ctx.options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > EVENTS_LIMIT_MAX) throw new UsageError(`--limit takes a whole number from 1 to ${EVENTS_LIMIT_MAX}`);
    }
    const session = await requireSession(ctx);
    const { events } = await withSession(ctx, session, (conn) => conn.request('auth.events', limit === undefined ? {} : { limit }));
    const text = events.length === 0 ? 'no events' : events.map((e) => `${formatTime(e.at)}  ${describeEvent(e)}`).join('\n');
    return { text, data: { events } };
  },
});
