/**
 * The byte limits of the MQTT API, in one place. Every number here is documented in
 * docs/protocol.md ("Packet and page limits") and has a test.
 *
 * - The broker closes the connection of any client — a service too — that sends a packet larger
 *   than {@link MAX_PACKET_BYTES}. A service that did so with a QoS 1 reply would send it again
 *   after reconnecting, and be closed again, forever: so no service ever publishes one.
 * - A request's payload is at most {@link MAX_REQUEST_BYTES}.
 * - A reply's payload (its JSON) is at most {@link MAX_REPLY_BYTES}; the rest of the packet is
 *   the topic (under 200 bytes) and MQTT's own header. A reply that would be larger is replaced by
 *   a REPLY_TOO_LARGE error.
 * - History pages and list pages are bounded in bytes as well as in count: the items of one page
 *   take at most {@link PAGE_BYTES} of JSON, which leaves room for the reply's other fields; a page
 *   cut short by bytes says `more: true`. The largest item there can be (a 4,000-character message
 *   of characters JSON writes as 6-byte escapes) always fits, so every page moves on.
 */
/** Largest MQTT packet the broker accepts from any client, fixed header included. */
export const MAX_PACKET_BYTES = 64 * 1024;
/** Largest request payload any service accepts, in bytes. */
export const MAX_REQUEST_BYTES = 16 * 1024;
/** Largest reply payload (its JSON) a service publishes, in bytes. */
export const MAX_REPLY_BYTES = 60 * 1024;
/** Largest sum of the items' JSON (and the commas between them) in one history or list page. */
export const PAGE_BYTES = 56 * 1024;
/** Bytes of `text` in UTF-8 (browser-safe; a lone surrogate counts as U+FFFD's 3 bytes, as encoders write it). */
export function utf8Bytes(text) {
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code < 0x80)
            bytes += 1;
        else if (code < 0x800)
            bytes += 2;
        else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
            bytes += 4;
            i++;
        }
        else
            bytes += 3;
    }
    return bytes;
}
/** Bytes of `value` as JSON on the wire. */
export function jsonBytes(value) {
    return utf8Bytes(JSON.stringify(value) ?? '');
}
/**
 * Bytes of an MQTT 3.1.1 PUBLISH packet carrying `payloadBytes` on `topic`: the fixed header (1
 * byte and a 1–4 byte remaining length), the topic with its 2-byte length, and a 2-byte packet id
 * at QoS 1 and 2.
 */
export function publishPacketBytes(topic, payloadBytes, qos = 1) {
    const remaining = 2 + utf8Bytes(topic) + (qos > 0 ? 2 : 0) + payloadBytes;
    const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
    return 1 + lengthBytes + remaining;
}
