import { ACCOUNT_EVENT_KINDS, EVENTS_LIMIT_DEFAULT, type AccountEventKind } from '@tidings/protocol';
import { callerUsername, type Handler } from '@tidings/service-kit';
import { type AuthContext } from '../context.js';

const KINDS: ReadonlySet<string> = new Set(ACCOUNT_EVENT_KINDS);

/** auth.events (user): the caller's account events, newest first (written by auth and security-questions). */
export function eventsHandler(auth: AuthContext): Handler<'auth.events'> {
  return async (request, ctx) => {
    const username = callerUsername(ctx);
    const rows = await auth.db.prisma.accountEvent.findMany({
      where: { user: { username } },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: request.limit ?? EVENTS_LIMIT_DEFAULT,
      select: { kind: true, at: true, detail: true },
    });
    return {
      events: rows
        .filter((e) => KINDS.has(e.kind)) // a kind written by a newer service version is left out, not mislabelled
        .map((e) => ({ kind: e.kind as AccountEventKind, at: e.at.getTime(), detail: e.detail })),
    };
  };
}
