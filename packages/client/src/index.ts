export { backoffDelay, useBackoff, useNoDelay, type BackoffOptions } from './backoff.js';
export { randomId } from './ids.js';
export { Requester, type Identity, type RequestOptions } from './requester.js';
export { Connection, connectGuest, connectUser, type ConnectOptions, type UserCredentials } from './connection.js';
export { ConversationLog } from './conversation-log.js';
