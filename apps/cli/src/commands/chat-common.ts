import type { Connection } from '@tidings/client';
import { requireSession, withSession, type UserConnectionOptions } from '../broker.js';
import type { Context, Io } from '../command.js';
import type { Clock } from '../chat/format.js';
import type { Session } from '../session-store.js';

/** Runs `fn` on a connection as the signed-in user (not signed in: UNAUTHORIZED, exit 1). */
export async function signedIn<T>(
  ctx: Context<unknown>,
  fn: (conn: Connection, session: Session) => Promise<T>,
  options: UserConnectionOptions = {},
): Promise<T> {
  const session = await requireSession(ctx);
  return withSession(ctx, session, (conn) => fn(conn, session), options);
}

/** The time zone to print times in: $TZ when it names one, else the system's. */
export function timeZoneOf(io: Io): string | undefined {
  const tz = io.env.TZ;
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

export function clockOf(io: Io): Clock {
  const timeZone = timeZoneOf(io);
  return timeZone ? { now: Date.now(), timeZone } : { now: Date.now() };
}
