export * from './errors.js';
export * from './topics.js';
export * from './envelope.js';
export * from './auth.js';
export * from './chat.js';
export * from './recovery.js';
export * from './operations.js';
export { buildAsyncApi } from './asyncapi.js';
export * from './devices.js';
