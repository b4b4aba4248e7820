/**
 * What one signed-in session may leave in the broker, in one place. Every number here is in
 * docs/protocol.md ("Wills, devices and queues"), in the AsyncAPI document (`x-session-limits`)
 * and has a test in apps/broker.
 *
 * - A session token may be used by at most {@link MAX_DEVICES_PER_SESSION} device ids (client ids
 *   `<username>:<device>`); a further one is refused at CONNECT (return code 5). The CLI's
 *   `tidings watch` connects as a device of its own per conversation, so the set is bounded
 *   rather than one device per token.
 * - A device topic `t/d/<username>/<clientId>` carries `1` or `0` and nothing else; a last will is
 *   allowed only there, with payload `0`.
 * - The broker keeps at most {@link MAX_QUEUED_MESSAGES} messages and {@link MAX_QUEUED_BYTES} of
 *   payload for one persistent session (one client id), counting messages sent and not yet
 *   acknowledged; beyond either the oldest are dropped. A client fills such a gap from history
 *   by sequence number.
 * - A topic level (in a topic or a subscription filter) has at most {@link MAX_TOPIC_LEVEL_LENGTH}
 *   characters and no U+0000.
 */
/** Distinct device ids (client ids) one session token may connect as. */
export const MAX_DEVICES_PER_SESSION = 16;
/** Messages the broker queues for one persistent session (client id); the oldest go first. */
export const MAX_QUEUED_MESSAGES = 1000;
/** Payload bytes the broker queues for one persistent session (client id); the oldest go first. */
export const MAX_QUEUED_BYTES = 256 * 1024;
/** Characters in one level of a topic or filter (the longest level we use, a service client id, has 77). */
export const MAX_TOPIC_LEVEL_LENGTH = 128;
