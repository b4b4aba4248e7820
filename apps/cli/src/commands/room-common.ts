import { ROOM_TOPIC_MAX, TidingsError, type Action, type ResultOf } from '@tidings/protocol';
import { defineCommand, type Command } from '../command.js';
import { roomOf, userOf } from '../chat/args.js';
import { signedIn } from './chat-common.js';

/** A topic as the service takes it (trimmed), refused before sending when it is too long. */
export function topicOf(raw: string): string {
  const topic = raw.trim();
  if ([...topic].length > ROOM_TOPIC_MAX) throw new TidingsError('BAD_REQUEST', `a topic has at most ${ROOM_TOPIC_MAX} characters`);
  return topic;
}

type MemberAction = Extract<Action, 'room.invite' | 'room.kick' | 'room.ban' | 'room.unban'>;

/**
 * One of the commands `<verb> <room> <user>` that a moderator runs on one person (invite, kick,
 * ban, unban): the request, and the line for what changed or for nothing having had to change.
 */
export function memberCommand(spec: {
  name: string;
  action: MemberAction;
  summary: string;
  description: string;
  done(user: string, room: string): string;
  unchanged(user: string, room: string): string;
}): Command {
  return defineCommand({
    name: spec.name,
    summary: spec.summary,
    description: spec.description,
    args: [{ name: 'room' }, { name: 'user' }],
    async run(ctx) {
      const name = roomOf(ctx.args.room!);
      const u = userOf(ctx.args.user!);
      const result: ResultOf<MemberAction> = await signedIn(ctx, (conn) => conn.request(spec.action, { name, u }));
      return {
        text: result.s !== undefined ? spec.done(u, result.name) : spec.unchanged(u, result.name),
        data: { ...result, u, changed: result.s !== undefined },
      };
    },
  });
}

/** Who may run the moderation commands, for their help. */
export const MODERATORS_ONLY = 'Only the room’s moderators and its owner may, and only on someone of a lower role.';
