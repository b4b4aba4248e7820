import { UsageError, defineCommand } from '../command.js';
import { durationOf, formatDuration, roomOf, userOf } from '../chat/args.js';
import { formatWhen } from '../chat/format.js';
import { clockOf, signedIn } from './chat-common.js';
import { MODERATORS_ONLY } from './room-common.js';

export default defineCommand({
  name: 'mute',
  summary: 'Stop a member sending to a room for a while (0 or --off lifts it)',
  description:
    `${MODERATORS_ONLY}\n` +
    'The duration is like 30s, 10m, 2h, 1d or 1h30m, at most 30 days (30d); a new mute replaces the\n' +
    'one before. A muted member still reads the room; their sends are refused, saying until when.',
  args: [{ name: 'room' }, { name: 'user' }, { name: 'duration', optional: true }],
  options: { off: { type: 'boolean', help: 'Lift the mute (the same as a duration of 0)' } },
  async run(ctx) {
    const name = roomOf(ctx.args.room!);
    const u = userOf(ctx.args.user!);
    if (ctx.options.off === true && ctx.args.duration !== undefined) throw new UsageError('give a duration or --off, not both');
    if (ctx.options.off !== true && ctx.args.duration === undefined) throw new UsageError('mute needs <duration> (e.g. 10m, 2h, 1d), or --off to lift it');
    const seconds = ctx.options.off === true ? 0 : durationOf(ctx.args.duration!);
    const result = await signedIn(ctx, (conn) => conn.request('room.mute', { name, u, seconds }));
    const changed = result.s !== undefined;
    let text: string;
    if (seconds === 0) text = changed ? `lifted the mute of ${u} in ${result.name}` : `${u} is not muted in ${result.name}`;
    else {
      const until = result.until !== undefined ? ` until ${formatWhen(result.until, clockOf(ctx.io))}` : '';
      text = `muted ${u} in ${result.name} for ${formatDuration(seconds)}${until}`;
    }
    return { text, data: { ...result, u, seconds, changed } };
  },
});
