import { randomId } from '@tidings/client';
import { DEVICE_PATTERN, USERNAME_PATTERN } from '@tidings/protocol';
import { isRecord, readJson, writeJson, type KeyValue } from './storage.js';

/**
 * What this browser remembers about who is signed in. Everything the app stores lives under
 * `tidings:`; a signed-in user's own data (history cache, outbox) under `tidings:<username>:`,
 * so signing out can remove all of it.
 */
export const DEVICE_KEY = 'tidings:device';
export const SESSION_KEY = 'tidings:session';

/**
 * A stable random device label for this browser: the client id is `<username>:<device>`, so the
 * broker keeps one persistent session per browser and queues events for it while it is away.
 * `w-` and 8 random characters (48 bits): it only has to differ among one user's devices, and
 * the client id is in the topic of every request and reply. A label stored by an older version
 * (`web-` and 12) is kept as it is.
 */
export function deviceId(kv: KeyValue, random: () => string = () => randomId(8)): string {
  const held = kv.get(DEVICE_KEY);
  if (held !== null && DEVICE_PATTERN.test(held)) return held;
  const fresh = `w-${random()}`;
  kv.set(DEVICE_KEY, fresh);
  return fresh;
}

export interface SavedSession {
  username: string;
  /** The session token: the MQTT password. Stored so a reload keeps the user signed in. */
  token: string;
  sessionId: string;
  expiresAt: number;
}

/** The stored session, or null when there is none, it is malformed or it has expired. */
export function loadSession(kv: KeyValue, now: number): SavedSession | null {
  const v = readJson(kv, SESSION_KEY);
  if (
    !isRecord(v) ||
    typeof v.username !== 'string' ||
    !USERNAME_PATTERN.test(v.username) ||
    typeof v.token !== 'string' ||
    v.token.length === 0 ||
    typeof v.sessionId !== 'string' ||
    typeof v.expiresAt !== 'number'
  )
    return null;
  if (v.expiresAt <= now) {
    kv.remove(SESSION_KEY);
    return null;
  }
  return { username: v.username, token: v.token, sessionId: v.sessionId, expiresAt: v.expiresAt };
}

export function saveSession(kv: KeyValue, session: SavedSession): void {
  writeJson(kv, SESSION_KEY, session);
}

/** The key of one piece of a user's own data. */
export function userKey(username: string, part: string): string {
  return `tidings:${username}:${part}`;
}

/** Signing out: the token and everything kept for that user (history cache, unsent messages) go. */
export function forgetUser(kv: KeyValue, username: string): void {
  kv.remove(SESSION_KEY);
  const prefix = userKey(username, '');
  for (const key of kv.keys()) if (key.startsWith(prefix)) kv.remove(key);
}
