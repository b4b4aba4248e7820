export { backoffDelay, useBackoff, useNoDelay, type BackoffOptions } from './backoff.js';
export { randomId } from './ids.js';
export { useLiveness, type LivenessOptions } from './liveness.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, NotConfirmedError, Requester, isNotConfirmed, type Identity, type RequestOptions } from './requester.js';
export { RttEstimator, type RttOptions } from './rtt.js';
export { CLIENT_BACKOFF, Connection, connectGuest, connectUser, isCertificateError, type ConnectOptions, type UserCredentials } from './connection.js';
export { ConversationLog } from './conversation-log.js';
export { MAX_LIST_PAGES, readAllPages, type ListPageResult } from './pages.js';
