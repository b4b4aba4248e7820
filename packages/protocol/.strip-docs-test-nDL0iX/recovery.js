import { z } from 'zod';
import { PasswordInput, SessionId, Timestamp, UsernameInput } from './auth.js';
import { RequestBase } from './envelope.js';
import { ClientString } from './text.js';
/**
 * Account recovery and account safety.
 *
 * - security-questions service: a security question and its answer (hashed like a password),
 *   one-time recovery codes, and the two guest paths that reset a forgotten password with them.
 * - auth service: the caller's active sessions, revoking one of them, and the account's events.
 *
 * Answers and codes are secrets: the request fields are named `answer` and `code`(`s`), which
 * the services' loggers redact, and no reply ever carries an answer.
 */
// --- questions and answers -------------------------------------------------------------------
/** Questions anyone may pick. Decoy questions for unknown usernames come from this list too. */
export const SECURITY_QUESTIONS = [
    'What was the name of your first pet?',
    'In which town or city did your parents meet?',
    'What was the first concert you went to?',
    'What was the name of the street you grew up on?',
    'What was the make of your first car or bicycle?',
    'What is the name of the teacher who influenced you most?',
    'What was your childhood nickname?',
    'In which town or city was your first job?',
    'What is the middle name of your oldest sibling or cousin?',
    'What was the name of your favourite childhood friend?',
    'What was the first book you loved?',
    'Which place did you first travel to on your own?',
];
export const QUESTION_MIN = 10;
export const QUESTION_MAX = 200;
export const ANSWER_MIN = 3;
export const ANSWER_MAX = 200;
/** Raw input limit of a question or an answer (before trimming): generous, but bounded. */
const RAW_MAX = 1000;
/** A question as shown: trimmed, inner whitespace collapsed to single spaces. */
export function normalizeQuestion(question) {
    return question.normalize('NFC').trim().replace(/\s+/gu, ' ');
}
export function questionProblem(question) {
    const q = normalizeQuestion(question);
    const length = [...q].length;
    if (length < QUESTION_MIN || length > QUESTION_MAX)
        return `A question has ${QUESTION_MIN}–${QUESTION_MAX} characters.`;
    if (/\p{Cc}/u.test(q))
        return 'A question may not contain control characters.';
    return null;
}
/**
 * The form an answer is compared in: Unicode NFKC, case-folded (upper- then lower-casing, so
 * `ß` and `SS` agree), trimmed, inner whitespace collapsed to one space. "  Rex  the DOG" and
 * "rex the dog" are the same answer.
 */
export function normalizeAnswer(answer) {
    return answer.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').trim().replace(/\s+/gu, ' ');
}
export function answerProblem(answer) {
    const a = normalizeAnswer(answer);
    const length = [...a].length;
    if (length < ANSWER_MIN || length > ANSWER_MAX)
        return `An answer has ${ANSWER_MIN}–${ANSWER_MAX} characters (spaces at the ends do not count).`;
    if (/\p{Cc}/u.test(a))
        return 'An answer may not contain control characters.';
    return null;
}
/** A question or answer as sent; the rules above are checked by the service so it can say which. */
export const QuestionInput = ClientString.max(RAW_MAX);
export const AnswerInput = ClientString.max(RAW_MAX);
// --- recovery codes ---------------------------------------------------------------------------
/** Crockford's base32 (no i, l, o, u): 10 characters are 50 random bits. */
export const RECOVERY_CODE_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const RECOVERY_CODE_LENGTH = 10;
export const RECOVERY_CODE_COUNT = 10;
/** How a code is shown: `xxxxx-xxxxx`. */
export const RECOVERY_CODE_PATTERN = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;
/**
 * A code as typed → its canonical form `xxxxx-xxxxx`, or null when it cannot be a code.
 * Case, spaces and dashes do not matter; `i`/`l` read as `1` and `o` as `0` (Crockford).
 */
export function normalizeRecoveryCode(typed) {
    const bare = typed
        .toLowerCase()
        .replace(/[\s-]+/g, '')
        .replace(/[il]/g, '1')
        .replace(/o/g, '0');
    if (bare.length !== RECOVERY_CODE_LENGTH || [...bare].some((c) => !RECOVERY_CODE_ALPHABET.includes(c)))
        return null;
    return `${bare.slice(0, 5)}-${bare.slice(5)}`;
}
/** A code as sent; the service normalises it (a malformed one fails like a wrong one). */
export const RecoveryCodeInput = ClientString.max(64);
// --- recovery.question (guest) ---
export const RecoveryQuestionRequest = RequestBase.extend({ username: UsernameInput });
export const RecoveryQuestionResult = z.object({
    question: z.string(),
});
// --- recovery.reset (guest) ---
export const RecoveryResetRequest = RequestBase.extend({
    username: UsernameInput,
    answer: AnswerInput,
    newPassword: PasswordInput,
});
// --- recovery.code (guest) ---
export const RecoveryCodeRequest = RequestBase.extend({
    username: UsernameInput,
    code: RecoveryCodeInput,
    newPassword: PasswordInput,
});
export const RecoveryResetResult = z.object({
    revokedSessions: z.number().int().nonnegative(),
});
// --- security.set (user) ---
export const SecuritySetRequest = RequestBase.extend({
    question: QuestionInput,
    answer: AnswerInput,
    currentPassword: PasswordInput,
});
export const SecuritySetResult = z.object({
    question: z.string(),
    replaced: z.boolean(),
});
// --- security.get (user) ---
export const SecurityGetRequest = RequestBase;
export const SecurityGetResult = z.object({
    question: z.string().nullable(),
    updatedAt: Timestamp.nullable(),
    codesLeft: z.number().int().nonnegative(),
});
// --- recovery.codes (user) ---
export const RecoveryCodesRequest = RequestBase.extend({ currentPassword: PasswordInput });
export const RecoveryCodesResult = z.object({
    codes: z.array(z.string()),
});
// --- auth.sessions (user) ---
export const SessionsRequest = RequestBase.extend({
    sessionId: SessionId.optional(),
});
export const SessionInfo = z.object({
    id: SessionId,
    device: z.string().nullable(),
    createdAt: Timestamp,
    lastSeenAt: Timestamp,
    expiresAt: Timestamp,
    current: z.boolean(),
});
export const SessionsResult = z.object({ sessions: z.array(SessionInfo) });
// --- auth.revoke (user) ---
export const RevokeRequest = RequestBase.extend({ sessionId: SessionId });
export const RevokeResult = z.object({ revoked: z.literal(true) });
// --- auth.events (user) ---
/** What an account event records. */
export const ACCOUNT_EVENT_KINDS = [
    'signed-in',
    'session-revoked',
    'password-changed',
    'password-reset',
    'security-question-set',
    'recovery-codes-generated',
    'recovery-failed',
];
export const AccountEventKind = z.enum(ACCOUNT_EVENT_KINDS);
export const EVENTS_LIMIT_MAX = 100;
export const EVENTS_LIMIT_DEFAULT = 20;
export const EventsRequest = RequestBase.extend({
    limit: z.number().int().min(1).max(EVENTS_LIMIT_MAX).optional(),
});
export const AccountEvent = z.object({
    kind: AccountEventKind,
    at: Timestamp,
    detail: z
        .string()
        .nullable()
        ,
});
export const EventsResult = z.object({ events: z.array(AccountEvent) });
