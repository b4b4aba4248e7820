import { isTidingsError } from '@tidings/protocol';

/** An error in words, for showing next to the button that caused it. */
export function errorText(err: unknown, what?: { conflict?: string; notFound?: string }): string {
  if (isTidingsError(err)) {
    if (err.code === 'CONFLICT' && what?.conflict) return what.conflict;
    if (err.code === 'NOT_FOUND' && what?.notFound) return what.notFound;
    if (err.code === 'RATE_LIMITED') return `Slow down: try again in ${err.retryAfter ?? 1} s.`;
    if (err.code === 'UNAVAILABLE') return 'No answer from the server. Check your connection and try again.';
  }
  const text = err instanceof Error ? err.message : String(err);
  const s = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
