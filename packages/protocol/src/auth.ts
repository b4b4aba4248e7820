import { z } from 'zod';
import { RequestBase } from './envelope.js';
import { ClientString } from './text.js';
import { DEVICE_PATTERN, USERNAME_PATTERN } from './topics.js';

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** A username as typed; case-insensitive, so it is trimmed and lower-cased before the rules apply. */
export const UsernameInput = ClientString.max(256).trim().toLowerCase().describe('3–32 of a-z 0-9 _ . - (case-insensitive)');
/** A password as sent; the length rules are checked by the service so it can answer INVALID_PASSWORD. */
export const PasswordInput = ClientString.max(4096);

export const Username = z.string().regex(USERNAME_PATTERN);
export const Device = ClientString.regex(DEVICE_PATTERN);
export const Timestamp = z.number().int().nonnegative().describe('Milliseconds since the Unix epoch');
export const SessionId = ClientString.min(8).max(64);

/** A session's name (what people call the device): at most this many characters. */
export const SESSION_NAME_MAX = 64;
/** Control characters and bidi overrides: a name is one line, shown as typed, that cannot reorder what follows it. */
const NAME_FORBIDDEN = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** Why a session name is refused, or null (it is trimmed first). */
export function sessionNameProblem(name: string): string | null {
  const n = name.trim();
  if (n.length === 0) return 'A device name cannot be empty.';
  if ([...n].length > SESSION_NAME_MAX) return `A device name has at most ${SESSION_NAME_MAX} characters.`;
  if (NAME_FORBIDDEN.test(n)) return 'A device name is one line of text, without control characters.';
  return null;
}
/** What people call a device ("Chrome on Linux", "Work laptop"): trimmed, 1–64 characters, one line. */
export const SessionName = ClientString.max(SESSION_NAME_MAX * 4)
  .trim()
  .refine((n) => sessionNameProblem(n) === null, { message: `1–${SESSION_NAME_MAX} characters of one line of text` })
  .describe(`1–${SESSION_NAME_MAX} characters, one line (trimmed)`);

/** Names no one may register: they would read as the system speaking. */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set(['svc', 'admin', 'root', 'system', 'tidings', 'guest', 'server']);

export function usernameProblem(username: string): string | null {
  if (RESERVED_USERNAMES.has(username)) return `"${username}" is reserved.`;
  if (username.length < USERNAME_MIN || username.length > USERNAME_MAX) return `A username has ${USERNAME_MIN}–${USERNAME_MAX} characters.`;
  if (!USERNAME_PATTERN.test(username)) return 'A username may only use a-z, 0-9, _, . and -.';
  return null;
}

export function passwordProblem(password: string, username: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `A password has at least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return `A password has at most ${PASSWORD_MAX} characters.`;
  if (password.trim().toLowerCase() === username.toLowerCase()) return 'The password may not be the username.';
  return null;
}

// --- auth.register (guest) ---
export const RegisterRequest = RequestBase.extend({ username: UsernameInput, password: PasswordInput });
export const RegisterResult = z.object({ username: Username });

// --- auth.login (guest) ---
export const LoginRequest = RequestBase.extend({
  username: UsernameInput,
  password: PasswordInput,
  device: Device.optional().describe('Label of the device signing in; the client then connects as <username>:<device>'),
  name: SessionName.optional().describe('What people call this device, shown in auth.sessions ("Chrome on Linux"); auth.rename changes it'),
});
export const LoginResult = z.object({
  username: Username,
  token: z.string().describe('Session token: the MQTT password for the next connection'),
  sessionId: SessionId,
  expiresAt: Timestamp,
});

// --- auth.logout (user) ---
export const LogoutRequest = RequestBase.extend({
  sessionId: SessionId.describe('The session to end (one of the caller’s own)'),
});
export const LogoutResult = z.object({ revoked: z.boolean() });

// --- auth.passwd (user) ---
export const ChangePasswordRequest = RequestBase.extend({
  currentPassword: PasswordInput,
  newPassword: PasswordInput,
  sessionId: SessionId.optional().describe('The session to keep; every other session of the account is revoked'),
});
export const ChangePasswordResult = z.object({ revokedSessions: z.number().int().nonnegative() });

// --- auth.whoami (user) ---
export const WhoamiRequest = RequestBase;
export const WhoamiResult = z.object({ username: Username, createdAt: Timestamp });

// --- t/svc/session-revoked (service event) ---
export const SessionRevokedEvent = z.object({
  sessionIds: z.array(SessionId).min(1),
  username: Username,
  reason: z.enum(['logout', 'password-changed', 'password-reset', 'revoked']),
});
export type SessionRevokedEvent = z.infer<typeof SessionRevokedEvent>;

export const ServiceHealth = z.object({
  status: z.enum(['up', 'down']),
  service: z.string(),
  startedAt: Timestamp.optional(),
});
export type ServiceHealth = z.infer<typeof ServiceHealth>;
