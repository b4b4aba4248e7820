import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import { ClientString } from './text.js';
/** The correlation id a client puts on every request; the reply carries it back. */
export const CorrelationId = ClientString.min(1).max(64);
/** Every request is a JSON object with a correlation id plus the request's own fields. */
export const RequestBase = z.object({ id: CorrelationId });
export const ErrorBody = z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    retryAfter: z.number().int().nonnegative().optional(),
});
/**
 * A successful reply: `{"id":…,"r":<result>}`. The keys are one letter because every reply of
 * every request pays for them; which of `r` and `e` is present says how the request went.
 */
export const OkReply = (result) => z.object({ id: CorrelationId, r: result });
/** A refused or failed request: `{"id":…|null,"e":{"code":…,"message":…,"retryAfter"?:…}}`. */
export const ErrorReply = z.object({
    id: CorrelationId.nullable(),
    e: ErrorBody,
});
/** A reply as a client first reads it, before it knows which request it answers. */
export const AnyReply = z.union([
    // strict: a reply with both `r` and `e` is malformed, not a success
    z.strictObject({ id: CorrelationId, r: z.unknown() }),
    ErrorReply,
]);
