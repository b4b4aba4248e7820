import { z } from 'zod';
import { ERROR_CODES } from './errors.js';

/** Largest request payload any service accepts, in bytes (the broker's packet limit is larger). */
export const MAX_REQUEST_BYTES = 16 * 1024;

/** The correlation id a client puts on every request; the reply carries it back. */
export const CorrelationId = z.string().min(1).max(64).describe('Correlation id chosen by the client, echoed in the reply');

/** Every request is a JSON object with a correlation id plus the request's own fields. */
export const RequestBase = z.object({ id: CorrelationId });

export const ErrorBody = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryAfter: z.number().int().nonnegative().optional().describe('Seconds to wait before retrying'),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const OkReply = <T extends z.ZodType>(data: T) =>
  z.object({ id: CorrelationId, ok: z.literal(true), data });

export const ErrorReply = z.object({
  id: CorrelationId.nullable().describe('null when the request was not readable enough to carry an id'),
  ok: z.literal(false),
  error: ErrorBody,
});
export type ErrorReply = z.infer<typeof ErrorReply>;

/** A reply as a client first reads it, before it knows which request it answers. */
export const AnyReply = z.union([
  z.object({ id: CorrelationId, ok: z.literal(true), data: z.unknown() }),
  ErrorReply,
]);
export type AnyReply = z.infer<typeof AnyReply>;
