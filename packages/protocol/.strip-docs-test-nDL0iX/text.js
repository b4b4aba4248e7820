import { z } from 'zod';
/**
 * Every string a client sends is well-formed Unicode without U+0000, whatever the action.
 *
 * JSON may carry a lone UTF-16 surrogate (`"\ud800"`), which no database, log line or other
 * client reads back the same way; and U+0000 ends strings in C, in PostgreSQL text, in topic
 * levels. Both are refused once here, in the schemas, so every action answers them alike
 * (BAD_REQUEST) before a handler sees them.
 *
 * `String.prototype.isWellFormed` is ES2024 (Node 20; Chrome 111, Firefox 119, Safari 16.4): where
 * a browser lacks it, a `u`-mode regex finds the lone surrogates (it reads a pair as one code point).
 */
const LONE_SURROGATE = /\p{Cs}/u;
export function isWellFormedText(s) {
    const fn = s.isWellFormed;
    return typeof fn === 'function' ? fn.call(s) : !LONE_SURROGATE.test(s);
}
/** The check without `isWellFormed` (the fallback of older browsers), exported for its test. */
export function isWellFormedByRegex(s) {
    return !LONE_SURROGATE.test(s);
}
export const NOT_WELL_FORMED_MESSAGE = 'not well-formed Unicode (a lone UTF-16 surrogate)';
export const NUL_MESSAGE = 'contains U+0000';
/** A string from a client: well-formed Unicode and no U+0000. Chain `.max()`, `.trim()` … on it. */
export const ClientString = z
    .string()
    .refine(isWellFormedText, { message: NOT_WELL_FORMED_MESSAGE, abort: true })
    .refine((s) => !s.includes('\u0000'), { message: NUL_MESSAGE, abort: true });
