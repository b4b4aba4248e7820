import { z } from 'zod';
import { PasswordInput, SessionId, SessionName, Timestamp, UsernameInput } from './auth.js';
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
] as const;

export const QUESTION_MIN = 10;
export const QUESTION_MAX = 200;
export const ANSWER_MIN = 3;
export const ANSWER_MAX = 200;
/** Raw input limit of a question or an answer (before trimming): generous, but bounded. */
const RAW_MAX = 1000;

/** A question as shown: trimmed, inner whitespace collapsed to single spaces. */
export function normalizeQuestion(question: string): string {
  return question.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

export function questionProblem(question: string): string | null {
  const q = normalizeQuestion(question);
  const length = [...q].length;
  if (length < QUESTION_MIN || length > QUESTION_MAX) return `A question has ${QUESTION_MIN}–${QUESTION_MAX} characters.`;
  if (/\p{Cc}/u.test(q)) return 'A question may not contain control characters.';
  return null;
}

/**
 * The form an answer is compared in: Unicode NFKC, case-folded (upper- then lower-casing, so
 * `ß` and `SS` agree), trimmed, inner whitespace collapsed to one space. "  Rex  the DOG" and
 * "rex the dog" are the same answer.
 */
export function normalizeAnswer(answer: string): string {
  return answer.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').trim().replace(/\s+/gu, ' ');
}

export function answerProblem(answer: string): string | null {
  const a = normalizeAnswer(answer);
  const length = [...a].length;
  if (length < ANSWER_MIN || length > ANSWER_MAX) return `An answer has ${ANSWER_MIN}–${ANSWER_MAX} characters (spaces at the ends do not count).`;
  if (/\p{Cc}/u.test(a)) return 'An answer may not contain control characters.';
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
export function normalizeRecoveryCode(typed: string): string | null {
  const bare = typed
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/[il]/g, '1')
    .replace(/o/g, '0');
  if (bare.length !== RECOVERY_CODE_LENGTH || [...bare].some((c) => !RECOVERY_CODE_ALPHABET.includes(c))) return null;
  return `${bare.slice(0, 5)}-${bare.slice(5)}`;
}

/** A code as sent; the service normalises it (a malformed one fails like a wrong one). */
export const RecoveryCodeInput = ClientString.max(64);

// --- recovery.question (guest) ---
export const RecoveryQuestionRequest = RequestBase.extend({ username: UsernameInput });
export const RecoveryQuestionResult = z.object({
  question: z.string().describe('The account’s security question; an unknown account gets a plausible one, the same every time'),
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
  code: RecoveryCodeInput.describe('One of the account’s unused recovery codes, `xxxxx-xxxxx`'),
  newPassword: PasswordInput,
});
export const RecoveryResetResult = z.object({
  revokedSessions: z.number().int().nonnegative().describe('Sessions signed out by the reset (all of them)'),
});

// --- security.set (user) ---
export const SecuritySetRequest = RequestBase.extend({
  question: QuestionInput.describe(`One of SECURITY_QUESTIONS or your own, ${QUESTION_MIN}–${QUESTION_MAX} characters`),
  answer: AnswerInput.describe(`${ANSWER_MIN}–${ANSWER_MAX} characters after trimming; compared case-insensitively`),
  currentPassword: PasswordInput,
});
export const SecuritySetResult = z.object({
  question: z.string(),
  replaced: z.boolean().describe('true when an earlier question was replaced'),
});

// --- security.get (user) ---
export const SecurityGetRequest = RequestBase;
export const SecurityGetResult = z.object({
  question: z.string().nullable().describe('Your security question, or null when none is set (never the answer)'),
  updatedAt: Timestamp.nullable(),
  codesLeft: z.number().int().nonnegative().describe('Unused recovery codes'),
});

// --- recovery.codes (user) ---
export const RecoveryCodesRequest = RequestBase.extend({ currentPassword: PasswordInput });
export const RecoveryCodesResult = z.object({
  codes: z.array(z.string()).describe('Shown once: store them safely. Any earlier codes no longer work.'),
});

// --- auth.sessions (user) ---
export const SessionsRequest = RequestBase.extend({
  sessionId: SessionId.optional().describe('The session you are asking from; only marks `current` in the answer'),
});
export const SessionInfo = z.object({
  id: SessionId,
  device: z.string().nullable(),
  name: z.string().nullable().describe('What people call the device (auth.login `name`, auth.rename), or null'),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;
export const SessionsResult = z.object({ sessions: z.array(SessionInfo).describe('Active sessions, most recently seen first') });

// --- auth.revoke (user) ---
export const RevokeRequest = RequestBase.extend({ sessionId: SessionId.describe('One of your active sessions') });
export const RevokeResult = z.object({ revoked: z.literal(true) });

// --- auth.rename (user) ---
export const RenameRequest = RequestBase.extend({ sessionId: SessionId.describe('One of your active sessions'), name: SessionName });
export const RenameResult = z.object({ name: z.string().describe('The name as stored (trimmed)') });

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
] as const;
export type AccountEventKind = (typeof ACCOUNT_EVENT_KINDS)[number];
export const AccountEventKind = z.enum(ACCOUNT_EVENT_KINDS);
export const EVENTS_LIMIT_MAX = 100;
export const EVENTS_LIMIT_DEFAULT = 20;

export const EventsRequest = RequestBase.extend({
  limit: z.number().int().min(1).max(EVENTS_LIMIT_MAX).optional().describe(`At most this many (default ${EVENTS_LIMIT_DEFAULT})`),
});
export const AccountEvent = z.object({
  kind: AccountEventKind,
  at: Timestamp,
  detail: z
    .string()
    .nullable()
    .describe(
      'signed-in, session-revoked: the device; password-reset, recovery-failed: `question` or `code`; security-question-set: `set` or `replaced`; recovery-codes-generated: how many',
    ),
});
export type AccountEvent = z.infer<typeof AccountEvent>;
export const EventsResult = z.object({ events: z.array(AccountEvent).describe('Newest first') });
