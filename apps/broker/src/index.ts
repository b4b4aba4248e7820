export { startBroker, type BrokerOptions, type RunningBroker, type TlsOptions } from './broker.js';
export { canPublish, canSubscribe, canReceive, canRetain, grantsOf, type Identity } from './acl.js';
export { createAuthenticator, ReturnCode, type AuthenticatorOptions, type ConnectAttempt, type Refusal, type Verdict } from './authenticate.js';
export { DEFAULT_LIMITS, resolveLimits, type Limits } from './limits.js';
export { PacketScanner, PacketTooLargeError, guardPackets } from './packet-guard.js';
export {
  CONTENT_SECURITY_POLICY,
  SECURITY_HEADERS,
  chooseEncoding,
  contentTypeOf,
  createStaticHandler,
  type ContentCoding,
  type StaticHandlerOptions,
} from './static.js';
export { EVERY_ROOM_PUBLIC, RoomAccess, followRoomAccess, loadPrivateRooms, type RoomReaders } from './room-access.js';
export { RetainedIndex, indexedMemoryPersistence, type Packet } from './retained.js';
