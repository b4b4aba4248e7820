import { z } from 'zod';
import { RequestBase } from './envelope.js';
import { ClientString } from './text.js';
import { DEVICE_PATTERN, USERNAME_PATTERN } from './topics.js';
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
/** A username as typed; case-insensitive, so it is trimmed and lower-cased before the rules apply. */
export const UsernameInput = ClientString.max(256).trim().toLowerCase();
/** A password as sent; the length rules are checked by the service so it can answer INVALID_PASSWORD. */
export const PasswordInput = ClientString.max(4096);
export const Username = z.string().regex(USERNAME_PATTERN);
export const Device = ClientString.regex(DEVICE_PATTERN);
export const Timestamp = z.number().int().nonnegative();
export const SessionId = ClientString.min(8).max(64);
/** Names no one may register: they would read as the system speaking. */
export const RESERVED_USERNAMES = new Set(['svc', 'admin', 'root', 'system', 'tidings', 'guest', 'server']);
export function usernameProblem(username) {
    if (RESERVED_USERNAMES.has(username))
        return `"${username}" is reserved.`;
    if (username.length < USERNAME_MIN || username.length > USERNAME_MAX)
        return `A username has ${USERNAME_MIN}–${USERNAME_MAX} characters.`;
    if (!USERNAME_PATTERN.test(username))
        return 'A username may only use a-z, 0-9, _, . and -.';
    return null;
}
export function passwordProblem(password, username) {
    const length = [...password].length;
    if (length < PASSWORD_MIN)
        return `A password has at least ${PASSWORD_MIN} characters.`;
    if (length > PASSWORD_MAX)
        return `A password has at most ${PASSWORD_MAX} characters.`;
    if (password.trim().toLowerCase() === username.toLowerCase())
        return 'The password may not be the username.';
    return null;
}
// --- auth.register (guest) ---
export const RegisterRequest = RequestBase.extend({ username: UsernameInput, password: PasswordInput });
export const RegisterResult = z.object({ username: Username });
// --- auth.login (guest) ---
export const LoginRequest = RequestBase.extend({
    username: UsernameInput,
    password: PasswordInput,
    device: Device.optional(),
});
export const LoginResult = z.object({
    username: Username,
    token: z.string(),
    sessionId: SessionId,
    expiresAt: Timestamp,
});
// --- auth.logout (user) ---
export const LogoutRequest = RequestBase.extend({
    sessionId: SessionId,
});
export const LogoutResult = z.object({ revoked: z.boolean() });
// --- auth.passwd (user) ---
export const ChangePasswordRequest = RequestBase.extend({
    currentPassword: PasswordInput,
    newPassword: PasswordInput,
    sessionId: SessionId.optional(),
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
export const ServiceHealth = z.object({
    status: z.enum(['up', 'down']),
    service: z.string(),
    startedAt: Timestamp.optional(),
});
