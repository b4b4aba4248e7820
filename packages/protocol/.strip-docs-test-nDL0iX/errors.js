/**
 * Every error a Tidings service can answer with, in one table.
 * The key is the code on the wire; the value is its documented meaning.
 * docs/protocol.md lists the same table (a test keeps them in step).
 */
export const ErrorCodes = {
    BAD_REQUEST: 'The payload is not JSON or does not match the schema of this request.',
    PAYLOAD_TOO_LARGE: 'The payload is larger than this request allows.',
    INVALID_USERNAME: 'The username breaks the rules: 3–32 characters of a-z 0-9 _ . -',
    INVALID_PASSWORD: 'The password breaks the rules: 8–256 characters, not equal to the username.',
    USERNAME_TAKEN: 'That username is already registered (usernames are case-insensitive).',
    INVALID_CREDENTIALS: 'The username or password is wrong.',
    UNAUTHORIZED: 'The session is missing, expired or revoked: sign in again.',
    FORBIDDEN: 'You may not do this.',
    NOT_FOUND: 'The thing you asked for does not exist (or you may not see it).',
    CONFLICT: 'The request conflicts with the current state.',
    RATE_LIMITED: 'Too many requests: wait for retryAfter seconds and try again.',
    UNAVAILABLE: 'The service cannot answer now (e.g. its database is briefly unavailable): send the same request again, same id, after retryAfter seconds.',
    REPLY_TOO_LARGE: 'The answer would be larger than a reply may be (60 KiB), so it was not sent: ask for less (a smaller limit). Pages and lists are bounded so that this does not happen.',
    INTERNAL: 'The service failed to handle the request; nothing was changed.',
};
export const ERROR_CODES = Object.keys(ErrorCodes);
/** The one error class of Tidings: a code from {@link ErrorCodes}, a human message and an optional retry-after. */
export class TidingsError extends Error {
    name = 'TidingsError';
    code;
    retryAfter;
    constructor(code, message = ErrorCodes[code], options = {}) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.code = code;
        this.retryAfter = options.retryAfter;
    }
}
export function isTidingsError(value) {
    return value instanceof TidingsError;
}
/**
 * A room that does not exist — and, to a non-member, a private room: one answer for both, in
 * every service, so no reply tells an outsider that a private room exists.
 */
export function noSuchRoom(name) {
    return new TidingsError('NOT_FOUND', `there is no room named ${name}`);
}
