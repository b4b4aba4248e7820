import type { Writable } from 'node:stream';
import { formatMessage, formatWhen, type Clock } from './format.js';
import type { WatchEvent } from './watch-core.js';

/**
 * A watch event as text: messages (and their changes, reprinted whole) for stdout; notices —
 * typing, presence, joins, the link — for stderr, so stdout stays the conversation.
 */
export function watchEventText(event: WatchEvent, clock: Clock): { out?: string; err?: string } {
  switch (event.type) {
    case 'message':
    case 'edit':
    case 'delete':
    case 'reaction':
      return { out: formatMessage(event.m, clock) };
    case 'ready':
      return { err: `watching ${event.c} (Ctrl-C to stop)` };
    case 'typing':
      return { err: `${event.u} is typing…` };
    case 'join':
      return { err: `${event.u} joined ${event.c}` };
    case 'leave':
      return { err: `${event.u} left ${event.c}` };
    case 'presence':
      return { err: event.on ? `${event.u} is online` : `${event.u} is offline (last seen ${formatWhen(event.at, clock)})` };
    case 'membership':
      return { err: event.on ? `you are in ${event.c} now` : `you are no longer in ${event.c}` };
    case 'mention':
      return { err: `${event.u} mentioned you in ${event.c}#${event.s}` };
    case 'connection':
      return { err: event.state === 'lost' ? 'connection lost: reconnecting…' : 'reconnected' };
  }
}

/**
 * A watch event as one JSON object (one line each with --json). Messages carry the protocol's
 * fields (`s`, `u`, `x`, `at`, `ed`, `del`, `rx`, `my`) beside `type` and `c`; a reaction says who
 * gave (`on`) or took back which emoji (`e`) and the message's counts now (`rx`).
 */
export function watchEventJson(event: WatchEvent): Record<string, unknown> {
  switch (event.type) {
    case 'message':
      return { type: 'message', c: event.c, ...event.m };
    case 'edit':
      return { type: 'edit', c: event.c, s: event.m.s, x: event.m.x, ...(event.m.ed !== undefined ? { ed: event.m.ed } : {}) };
    case 'delete':
      return { type: 'delete', c: event.c, s: event.m.s, ...(event.m.rb !== undefined ? { rb: event.m.rb } : {}) };
    case 'reaction':
      return { type: 'reaction', c: event.c, s: event.m.s, u: event.u, e: event.e, on: event.on, rx: event.m.rx ?? {} };
    default:
      return { ...event };
  }
}

/** Writes watch events to the command's streams, as text or as JSON lines. */
export function watchPrinter(streams: { stdout: Writable; stderr: Writable }, json: boolean, clock: () => Clock): (event: WatchEvent) => void {
  return (event) => {
    if (json) {
      streams.stdout.write(`${JSON.stringify(watchEventJson(event))}\n`);
      return;
    }
    const text = watchEventText(event, clock());
    if (text.out !== undefined) streams.stdout.write(`${text.out}\n`);
    if (text.err !== undefined) streams.stderr.write(`${text.err}\n`);
  };
}
