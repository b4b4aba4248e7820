import { z } from 'zod';
import { AnyReply, ErrorReply, OkReply } from './envelope.js';
import { ErrorCodes } from './errors.js';
import { MAX_PACKET_BYTES, MAX_REPLY_BYTES, MAX_REQUEST_BYTES, PAGE_BYTES } from './limits.js';
import { ACTIONS, operations } from './operations.js';
import { ServiceHealth, SessionRevokedEvent } from './auth.js';
import { ConversationEvent, DevicePresence, PresenceEvent, RoomAccessEvent } from './chat.js';
import { MAX_DEVICES_PER_SESSION, MAX_QUEUED_BYTES, MAX_QUEUED_MESSAGES, MAX_TOPIC_LEVEL_LENGTH } from './devices.js';
import { ROOT, topics } from './topics.js';
function schema(s, io = 'input') {
    const out = z.toJSONSchema(s, { io, unrepresentable: 'any' });
    delete out.$schema;
    return out;
}
const channelKey = (action) => action.replace('.', '_');
/**
 * Builds the AsyncAPI 3 document of the whole MQTT API from the operation table.
 * `docs/asyncapi.yaml` is this document, written by `pnpm --filter @tidings/protocol asyncapi`
 * (scripts/asyncapi.mjs) as YAML that reads the same under YAML 1.1 and 1.2: keys and strings
 * such as `on`, `off`, `yes`, `no` are quoted, so a 1.1 parser does not read them as booleans;
 * a test fails when the file and the package disagree, read either way.
 */
export function buildAsyncApi() {
    const channels = {};
    const ops = {};
    const messages = {};
    channels.reply = {
        address: topics.reply('{clientId}'),
        title: 'Replies to one client',
        description: 'Only the client with this id may subscribe. Every reply carries the correlation id of its request.',
        parameters: { clientId: { description: 'The MQTT client id of the requester' } },
        messages: { reply: { $ref: '#/components/messages/reply' } },
    };
    messages.reply = {
        name: 'reply',
        payload: schema(AnyReply, 'output'),
    };
    ops.receiveReply = {
        action: 'receive',
        channel: { $ref: '#/channels/reply' },
        summary: '',
        messages: [{ $ref: '#/channels/reply/messages/reply' }],
    };
    for (const action of ACTIONS) {
        const o = operations[action];
        const key = channelKey(action);
        const address = o.audience === 'guest' ? topics.guestRequest('{clientId}', action) : topics.userRequest('{clientId}', action);
        const parameters = {
            clientId: {
                description: o.audience === 'guest'
                    ? 'Must equal the connection’s client id (`g:<random>`)'
                    : 'Must equal the connection’s client id, `<username>:<device>`: the verified username is in it',
            },
        };
        channels[key] = {
            address,
            title: action,
            description: `${o.summary}. Sent by ${o.audience === 'guest' ? 'a guest connection' : 'a signed-in user'}, handled by the ${o.service} service.`,
            parameters,
            messages: { request: { $ref: `#/components/messages/${key}_request` } },
        };
        messages[`${key}_request`] = { name: `${action} request`, payload: schema(o.request, 'input') };
        messages[`${key}_result`] = {
            name: `${action} result`,
            payload: schema(z.union([OkReply(o.result), ErrorReply]), 'output'),
        };
        const send = {
            action: 'send',
            channel: { $ref: `#/channels/${key}` },
            summary: o.summary,
            messages: [{ $ref: `#/channels/${key}/messages/request` }],
            // Requests go at QoS 0: the client keeps each until its reply and sends it again, same id,
            // after every reconnect (docs/protocol.md, "Requests on a bad link").
            bindings: { mqtt: { qos: 0 } },
        };
        if (o.reply !== false) {
            send.description = o.repeatable
                ? 'Repeatable: handled again when sent again with the same id, with the same effect.'
                : 'Sent again with the same id, it is handled once: the service answers the copy with its first answer (kept 5 minutes).';
        }
        if (o.reply === false) {
            delete messages[`${key}_result`];
        }
        else {
            send.reply = {
                channel: { $ref: '#/channels/reply' },
                messages: [{ $ref: `#/components/messages/${key}_result` }],
            };
        }
        ops[`send_${key}`] = send;
    }
    const events = [
        [
            'room',
            topics.room('{room}'),
            'Live events of a room',
            { room: { description: 'Room name' } },
            ConversationEvent,
            'Messages, edits, deletes, like counts, joins (QoS 1) and typing (QoS 0). Any signed-in user may subscribe to a public room, only its members to a private one (checked again at every delivery); one room per subscription (`t/room/+` is refused); only services publish.',
        ],
        [
            'inbox',
            topics.inbox('{username}'),
            'A user’s inbox',
            { username: { description: 'The subscriber’s own username' } },
            ConversationEvent,
            'Direct-conversation events (with `c`, the conversation as the recipient names it) and sync events between the user’s devices. Only that user may subscribe.',
        ],
        [
            'presence',
            topics.presence('{username}'),
            'A user’s presence (retained)',
            { username: { description: 'Username' } },
            PresenceEvent,
            'Online when any of the user’s devices is connected. Published by the presence service; any signed-in user may subscribe (`t/p/+`).',
        ],
        [
            'devicePresence',
            topics.devicePresence('{username}', '{clientId}'),
            'A device’s connection state',
            {
                username: { description: 'The device’s verified username' },
                clientId: { description: 'The device’s client id' },
            },
            DevicePresence,
            'The device publishes `1` (retained) after every connect and sets `0` (retained) as its last will; the topic carries `1` or `0` and nothing else, and `0` here is the only last will a signed-in client may set. When its session ends the broker clears the retained message (an empty one) instead of publishing the will. Read by the presence service only.',
        ],
    ];
    for (const [key, address, title, parameters, payload, description] of events) {
        channels[key] = { address, title, description, parameters, messages: { event: { $ref: `#/components/messages/${key}Event` } } };
        messages[`${key}Event`] = { name: `${key} event`, payload: schema(payload, 'output') };
        ops[`receive_${key}`] = {
            action: key === 'devicePresence' ? 'send' : 'receive',
            channel: { $ref: `#/channels/${key}` },
            messages: [{ $ref: `#/channels/${key}/messages/event` }],
        };
    }
    channels.serviceHealth = {
        address: topics.serviceHealth('{service}'),
        title: 'Service health (retained)',
        description: 'Each service publishes `up` (retained) when it starts and leaves `down` as its last will. Services only.',
        parameters: { service: { description: 'Service name' } },
        messages: { health: { $ref: '#/components/messages/serviceHealth' } },
    };
    messages.serviceHealth = { name: 'service health', payload: schema(ServiceHealth, 'output') };
    ops.publishHealth = {
        action: 'send',
        channel: { $ref: '#/channels/serviceHealth' },
        messages: [{ $ref: '#/channels/serviceHealth/messages/health' }],
    };
    channels.sessionRevoked = {
        address: topics.sessionRevoked,
        title: 'Session revocations',
        description: 'The auth and security-questions services announce revoked sessions; the broker closes their live connections. Services only.',
        messages: { revoked: { $ref: '#/components/messages/sessionRevoked' } },
    };
    messages.sessionRevoked = { name: 'session revoked', payload: schema(SessionRevokedEvent, 'output') };
    ops.publishSessionRevoked = {
        action: 'send',
        channel: { $ref: '#/channels/sessionRevoked' },
        messages: [{ $ref: '#/channels/sessionRevoked/messages/revoked' }],
    };
    channels.roomAccess = {
        address: topics.roomAccess,
        title: 'Who may read each private room',
        description: 'chat-store announces every change of a private room’s members (created, invited, joined, left, kicked, banned); every broker keeps the members of private rooms in memory and checks them at subscribe and at delivery, so a removed member stops receiving at once. Services only.',
        messages: { access: { $ref: '#/components/messages/roomAccess' } },
    };
    messages.roomAccess = { name: 'room access', payload: schema(RoomAccessEvent, 'output') };
    ops.publishRoomAccess = {
        action: 'send',
        channel: { $ref: '#/channels/roomAccess' },
        messages: [{ $ref: '#/channels/roomAccess/messages/access' }],
    };
    return {
        asyncapi: '3.0.0',
        info: {
            title: 'Tidings MQTT API',
            version: '1.0.0',
            description: [
                'Chat over MQTT 3.1.1. Requests are JSON objects with a correlation id `id`; the reply arrives on',
                `\`${topics.reply('{clientId}')}\`. Identity comes from the broker: guests connect with a client id`,
                '`g:<random>` and no credentials; signed-in clients connect as `<username>:<device>` with the username',
                'and the session token as the password. The broker only lets a client publish requests on topics that carry',
                `its own verified client id. All topics live under \`${ROOT}/\`.`,
                '',
                'A reply is `{"id":…,"r":<result>}` on success and `{"id":…|null,"e":{"code":…,"message":…,"retryAfter"?:…}}`',
                'on failure (`id` is null when the request was not readable enough to carry one).',
                '',
                `Limits: the broker closes any connection that sends an MQTT packet over ${MAX_PACKET_BYTES.toLocaleString('en-US')} bytes (64 KiB). A request payload`,
                `is at most ${MAX_REQUEST_BYTES.toLocaleString('en-US')} bytes (16 KiB) of UTF-8 JSON; a larger one gets \`PAYLOAD_TOO_LARGE\` (with its \`id\` when that can be`,
                `read). A reply payload is at most ${MAX_REPLY_BYTES.toLocaleString('en-US')} bytes. History pages and list pages end at ${PAGE_BYTES.toLocaleString('en-US')} bytes of items as`,
                'well as at their count limit, with `more: true`; lists are read page by page with `after: next`. Every string in a',
                'request is well-formed Unicode without U+0000: a lone UTF-16 surrogate (`"\\ud800"`) or U+0000 gets `BAD_REQUEST`.',
                'Message text is 1–4,000 characters (code points) after trimming.',
                '',
                'Error codes:',
                ...Object.entries(ErrorCodes).map(([code, meaning]) => `- \`${code}\`: ${meaning}`),
            ].join('\n'),
        },
        defaultContentType: 'application/json',
        servers: {
            local: { host: 'localhost:1883', protocol: 'mqtt', protocolVersion: '3.1.1', description: 'Embedded broker, TCP' },
            localWs: { host: 'localhost:8080', pathname: '/mqtt', protocol: 'ws', description: 'Embedded broker, WebSocket' },
        },
        'x-session-limits': {
            devicesPerSession: {
                value: MAX_DEVICES_PER_SESSION,
                description: 'Distinct client ids one session token may connect as; a further one is refused (CONNACK 5) until the session ends.',
            },
            queuedMessagesPerSession: {
                value: MAX_QUEUED_MESSAGES,
                description: 'Messages the broker keeps for one persistent session (waiting offline or unacknowledged); beyond it the oldest are dropped and the client fills the gap from chat.history.',
            },
            queuedBytesPerSession: {
                value: MAX_QUEUED_BYTES,
                description: 'Payload and topic bytes the broker keeps for one persistent session; beyond it the oldest messages are dropped.',
            },
            topicLevelCharacters: {
                value: MAX_TOPIC_LEVEL_LENGTH,
                description: 'Characters in one level of a topic or filter; no level may contain U+0000 (SUBACK 0x80, or the connection closes on a publish).',
            },
            lastWill: { description: 'A signed-in client: `0` on its own device topic only; a guest: none. Never published for a revoked or expired session.' },
            emptyClientId: { description: 'MQTT 3.1.1: refused (CONNACK 2) with clean: false; with authentication on, refused in every case.' },
        },
        channels,
        operations: ops,
        components: { messages },
    };
}
