/** How long account events are kept: older ones are deleted when the user next signs in. */
export const EVENT_RETENTION_MS = 365 * 24 * 60 * 60 * 1000;
