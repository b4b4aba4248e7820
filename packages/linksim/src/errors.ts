/** Every way the link simulator refuses what it is given. */
export const LinkErrorCode = {
  /** A profile with a negative or non-finite time, an empty cut interval, … */
  INVALID_PROFILE: 'INVALID_PROFILE',
  /** createLink options or a method argument that cannot be used. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A method was called on a link after close(). */
  CLOSED: 'CLOSED',
} as const;
export type LinkErrorCode = (typeof LinkErrorCode)[keyof typeof LinkErrorCode];

export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly code: LinkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
