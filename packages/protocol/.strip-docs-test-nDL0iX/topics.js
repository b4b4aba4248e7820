/**
 * The topic tree. Nobody spells a topic string anywhere else.
 *
 *   t/g/<clientId>/<action>               guest request (sign-up, sign-in, recovery)
 *   t/u/<clientId>/<action>               signed-in request (the client id `<username>:<device>`
 *                                         names the user); the broker binds it to the connection
 *   t/r/<clientId>                        replies, readable by that client only
 *   t/room/<room>                         a room's live events (signed-in users read — a private room
 *                                         its members only; services write)
 *   t/inbox/<username>                    one user's direct messages and sync events (that user reads)
 *   t/p/<username>                        a user's presence, retained (signed-in users read)
 *   t/d/<username>/<clientId>             a device's own presence: `1` retained, `0` as last will
 *   t/svc/…                               service-only topics (health, session revocations)
 *
 * The broker binds <username> and <clientId> to the connection's verified identity,
 * so a service reads the caller from the topic and never from the payload. A signed-in request
 * names the user once, inside the client id: every byte of a request topic is paid on every
 * request, so the topic does not repeat what the client id already says.
 */
export const ROOT = 't';
/** Usernames: 3–32 of a-z 0-9 _ . - (stored lower-case). */
export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;
/** A device label, the part of a signed-in client id after the colon. */
export const DEVICE_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
/** Guest client ids: `g:` plus 8–40 random characters. No username can start like that. */
export const GUEST_CLIENT_ID_PATTERN = /^g:[A-Za-z0-9_-]{8,40}$/;
/** Service client ids: `svc:<service>:<instance>`. */
export const SERVICE_CLIENT_ID_PATTERN = /^svc:[a-z-]{2,32}:[A-Za-z0-9_-]{1,40}$/;
/** An action names one request type: `<service>.<verb>`. */
export const ACTION_PATTERN = /^[a-z-]+\.[a-z-]+$/;
/** The client id a signed-in device uses: `<username>:<device>`. */
export function userClientId(username, device) {
    return `${username}:${device}`;
}
/** The client id of a guest connection, from a random string of 8–40 url-safe characters. */
export function guestClientId(random) {
    return `g:${random}`;
}
export function serviceClientId(service, instance) {
    return `svc:${service}:${instance}`;
}
/** Classifies a client id by its shape. */
export function parseClientId(clientId) {
    if (GUEST_CLIENT_ID_PATTERN.test(clientId))
        return { kind: 'guest' };
    if (SERVICE_CLIENT_ID_PATTERN.test(clientId))
        return { kind: 'service', service: clientId.split(':')[1] };
    const colon = clientId.indexOf(':');
    if (colon > 0) {
        const username = clientId.slice(0, colon);
        const device = clientId.slice(colon + 1);
        if (USERNAME_PATTERN.test(username) && DEVICE_PATTERN.test(device))
            return { kind: 'user', username, device };
    }
    return { kind: 'invalid' };
}
export const topics = {
    guestRequest: (clientId, action) => `${ROOT}/g/${clientId}/${action}`,
    /** A signed-in request; `clientId` is `<username>:<device>`, so the username is in it. */
    userRequest: (clientId, action) => `${ROOT}/u/${clientId}/${action}`,
    reply: (clientId) => `${ROOT}/r/${clientId}`,
    /** What a service subscribes to for one guest action. */
    guestRequestFilter: (action) => `${ROOT}/g/+/${action}`,
    /** What a service subscribes to for one signed-in action. */
    userRequestFilter: (action) => `${ROOT}/u/+/${action}`,
    /** Live events of a room (messages, edits, deletes, likes, typing, joins). */
    room: (name) => `${ROOT}/room/${name}`,
    /** A user's own events: direct messages and sync between their devices. */
    inbox: (username) => `${ROOT}/inbox/${username}`,
    /** Aggregated presence of a user (retained). */
    presence: (username) => `${ROOT}/p/${username}`,
    presenceFilter: `${ROOT}/p/+`,
    /** One device's connection state, published by the device itself (retained, with a last will). */
    devicePresence: (username, clientId) => `${ROOT}/d/${username}/${clientId}`,
    devicePresenceFilter: `${ROOT}/d/+/+`,
    /** Retained health of each service (`{"status":"up"|"down"}`), with a last will. */
    serviceHealth: (service) => `${ROOT}/svc/health/${service}`,
    serviceHealthFilter: `${ROOT}/svc/health/+`,
    /** Auth tells the broker which sessions were revoked so it drops their live connections. */
    sessionRevoked: `${ROOT}/svc/session-revoked`,
    /** chat-store tells the brokers who may read each private room (RoomAccessEvent). */
    roomAccess: `${ROOT}/svc/room-access`,
    /** Everything only services may touch. */
    serviceFilter: `${ROOT}/svc/#`,
};
/** Parses any topic of the tree; returns null for a topic that is not ours or is malformed. */
export function parseTopic(topic) {
    const parts = topic.split('/');
    if (parts[0] !== ROOT)
        return null;
    const [, kind, a, b] = parts;
    switch (kind) {
        case 'g':
            if (parts.length !== 4 || !a || !b || !ACTION_PATTERN.test(b))
                return null;
            return { kind: 'guest-request', clientId: a, action: b };
        case 'u': {
            if (parts.length !== 4 || !a || !b || !ACTION_PATTERN.test(b))
                return null;
            // The username is the client id's own: a level that is not a signed-in client id is not a request.
            const id = parseClientId(a);
            if (id.kind !== 'user')
                return null;
            return { kind: 'user-request', username: id.username, clientId: a, action: b };
        }
        case 'r':
            if (parts.length !== 3 || !a)
                return null;
            return { kind: 'reply', clientId: a };
        case 'room':
            if (parts.length !== 3 || !a)
                return null;
            return { kind: 'room', name: a };
        case 'inbox':
            if (parts.length !== 3 || !a)
                return null;
            return { kind: 'inbox', username: a };
        case 'p':
            if (parts.length !== 3 || !a)
                return null;
            return { kind: 'presence', username: a };
        case 'd':
            if (parts.length !== 4 || !a || !b)
                return null;
            return { kind: 'device-presence', username: a, clientId: b };
        case 'svc':
            if (parts.length < 3)
                return null;
            return { kind: 'service', path: parts.slice(2) };
        default:
            return null;
    }
}
